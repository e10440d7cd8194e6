#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build, and
# run every test. Where nvcc is present, also compile and link the CUDA build of
# gpu/ so that path never rots (it cannot run without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh

nvcc=$(command -v nvcc || true)
[[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]] && nvcc=/usr/local/cuda/bin/nvcc
if [[ -n "$nvcc" ]]; then
  echo "-- compiling the CUDA variant of gpu/ with $nvcc (compile and link only)"
  cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTAMPEDE_CUDA=ON \
        -DCMAKE_CUDA_COMPILER="$nvcc" -DSTAMPEDE_BENCHMARKS=OFF >/dev/null
  cmake --build build-cuda --target stampede_gpu stampede_gpu_tests
fi

cd build
ctest --output-on-failure -j2 --timeout 300
