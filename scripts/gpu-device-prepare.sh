#!/usr/bin/env bash
# Builds, HERE, the two gpu/ binaries the GPU machine runs: the Catch2 tests and
# the benchmark, with nvcc for sm_90 and the CUDA backend, into
# build-gpu-cuda/device/. No CMake and nothing of the rest of the project: the
# GPU machine has the CUDA driver but none of our Debian packages, so the
# binaries link the CUDA runtime, libstdc++ and libgcc statically and need only
# glibc and the driver there. Then carry build-gpu-cuda/device and run
# scripts/gpu-device-check.sh on the GPU machine.
#
#   scripts/gpu-device-prepare.sh [out-dir]
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
#   CATCH2_INCLUDE (directory holding catch2/catch.hpp, default /usr/include;
#   it is copied to <out-dir>/catch2/catch.hpp),
#   CUDA_ARCH (default 90: H100 and H200).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-gpu-cuda/device}
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
catch2=${CATCH2_INCLUDE:-/usr/include}
arch=${CUDA_ARCH:-90}
cuda_root=$(cd "$(dirname "$nvcc")/.." && pwd)
[[ -x "$nvcc" ]] || { echo "no nvcc at $nvcc (set NVCC)" >&2; exit 1; }
[[ -f "$catch2/catch2/catch.hpp" ]] || { echo "no $catch2/catch2/catch.hpp (set CATCH2_INCLUDE)" >&2; exit 1; }

# The Thrust nvcc must compile: the toolkit's CCCL (stats.cpp static_asserts it).
version_h=$(ls "$cuda_root"/include/cccl/thrust/version.h "$cuda_root"/targets/*/include/cccl/thrust/version.h 2>/dev/null | head -n1)
[[ -n "$version_h" ]] || { echo "no CCCL Thrust under $cuda_root/include/cccl" >&2; exit 1; }
thrust_version=$(sed -n 's/^#define THRUST_VERSION \([0-9]*\).*/\1/p' "$version_h")
cudart=$(ls "$cuda_root"/lib64/libcudart_static.a "$cuda_root"/targets/*/lib/libcudart_static.a 2>/dev/null | head -n1)
[[ -n "$cudart" ]] || { echo "no libcudart_static.a under $cuda_root" >&2; exit 1; }

obj="$out.obj"  # kept apart so the carried folder holds only what runs
mkdir -p "$out" "$obj"
common=(-std=c++20 -O2 -g -DNDEBUG -I.)
cxxflags=("${common[@]}" -Wall -Wextra)
# -isystem /usr/include would break libstdc++'s #include_next: only add others.
catch_flags=()
[[ "$catch2" != /usr/include ]] && catch_flags=(-isystem "$catch2")
echo "-- nvcc $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'), sm_$arch, Thrust $thrust_version ($version_h)"
"$nvcc" "${common[@]}" -Xcompiler=-Wall,-Wextra -x cu "--generate-code=arch=compute_$arch,code=[compute_$arch,sm_$arch]" \
  -DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_CUDA -DSTAMPEDE_THRUST_VERSION="$thrust_version" \
  -c gpu/stats.cpp -o "$obj/stats.o" &
nvcc_pid=$!
"$nvcc" "${common[@]}" -Xcompiler=-Wall,-Wextra -x cu "--generate-code=arch=compute_$arch,code=[compute_$arch,sm_$arch]" \
  -DTHRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_CUDA -DSTAMPEDE_THRUST_VERSION="$thrust_version" \
  -c gpu/ensemble.cpp -o "$obj/ensemble.o" &
nvcc_ensemble_pid=$!
g++ "${cxxflags[@]}" "${catch_flags[@]}" -c tests/main.test.cpp -o "$obj/main.test.o" &
main_pid=$!
wait $nvcc_pid
wait $nvcc_ensemble_pid
wait $main_pid
g++ "${cxxflags[@]}" "${catch_flags[@]}" -c tests/gpu/stats.test.cpp -o "$obj/stats.test.o"
g++ "${cxxflags[@]}" "${catch_flags[@]}" -c tests/gpu/ensemble.test.cpp -o "$obj/ensemble.test.o"
g++ "${cxxflags[@]}" -c bench/gpu_stats.cpp -o "$obj/gpu_stats.o"

link=(-static-libstdc++ -static-libgcc "$cudart" -ldl -lrt -lpthread)
g++ -o "$out/stampede_gpu_tests" "$obj/main.test.o" "$obj/stats.test.o" "$obj/ensemble.test.o" \
  "$obj/stats.o" "$obj/ensemble.o" "${link[@]}"
g++ -o "$out/bench_gpu_stats" "$obj/gpu_stats.o" "$obj/stats.o" "$obj/ensemble.o" "${link[@]}"

# The Catch2 header travels with the binaries, so the GPU machine can rebuild
# them with its own nvcc if these do not start there (an older glibc).
if [[ "$(cd "$catch2" && pwd)" != "$(cd "$out" && pwd)" ]]; then
  mkdir -p "$out/catch2"
  cp "$catch2/catch2/catch.hpp" "$out/catch2/catch.hpp"
fi

# What the binaries need on the bare machine: glibc only (libcuda.so.1 is
# dlopen'ed by the static runtime from the driver install).
status=0
for bin in "$out/stampede_gpu_tests" "$out/bench_gpu_stats"; do
  deps=$(ldd "$bin")
  echo "-- $bin: $(du -h "$bin" | cut -f1), needs glibc >= $(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)"
  echo "$deps" | sed 's/^/     /'
  if echo "$deps" | grep -E -q 'not found|libgomp|libcudart|libstdc\+\+|libgcc_s'; then
    echo "error: $bin needs a library the GPU machine may not have" >&2
    status=1
  fi
done
# Discovery-style listing runs without a GPU: no CUDA call before a test runs.
# (Catch2 v2 exits with the number of tests listed, so judge by the output.)
listed=$("$out/stampede_gpu_tests" --list-test-names-only || true)
if [[ -z "$listed" ]]; then
  echo "error: $out/stampede_gpu_tests lists no tests" >&2
  status=1
fi
echo "-- $(echo "$listed" | grep -c .) [gpu] test cases listed"
exit $status
