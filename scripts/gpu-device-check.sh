#!/usr/bin/env bash
# Runs ON THE GPU MACHINE (which has the driver, nvcc, cmake and ninja, but none
# of our Debian packages): the gpu/ tests and benchmark on the CUDA backend.
#
# Here, first:   scripts/gpu-device-prepare.sh
#   (builds build-gpu-cuda/device/{stampede_gpu_tests,bench_gpu_stats} for sm_90
#    with a static CUDA runtime, and copies catch2/catch.hpp beside them)
# There:         scripts/gpu-device-check.sh      (carry build-gpu-cuda/device)
#
# Writes nvidia-smi.txt, tests.txt, tests-large.txt, bench.txt, bench-ensemble.txt (and build.txt if
# it had to rebuild) under $OUT (default out-device/). If the carried binaries
# do not start there (a glibc older than the build machine's), it rebuilds them
# with the local nvcc from the sources and the carried Catch2 header.
# Environment: OUT, STAMPEDE_DEVICE_DIR (default build-gpu-cuda/device),
#   CATCH2_INCLUDE (default: the device dir), BENCH_SIZES (default "1e7 1e8 1e9"),
#   BENCH_REPS (default 3), BENCH_MAX_DOUBLE (default 1e9: the double statistics
#   at every size; 1e9 doubles are 8 GB on the host and on the device).
#   Exit status: non-zero if a test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out-device}
dir=${STAMPEDE_DEVICE_DIR:-build-gpu-cuda/device}
mkdir -p "$out"
status=0

{
  nvidia-smi
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
} 2>&1 | tee "$out/nvidia-smi.txt"

# Catch2 v2 exits with the number of tests listed: judge by the output. A
# binary the loader refuses prints nothing on stdout.
listed=$("$dir/stampede_gpu_tests" --list-test-names-only 2>/dev/null || true)
if [[ -z "$listed" ]]; then
  echo "-- carried binaries do not start here; rebuilding with the local nvcc" | tee "$out/build.txt"
  export CATCH2_INCLUDE=${CATCH2_INCLUDE:-$dir}
  dir=$(mktemp -d)/device
  scripts/gpu-device-prepare.sh "$dir" 2>&1 | tee -a "$out/build.txt" || status=1
fi

# No filter: every test case but the hidden ones (a "[gpu]" filter would also
# pick the hidden [gpu][.large] one).
echo "-- tests (every test case but the hidden ones, CUDA backend)"
"$dir/stampede_gpu_tests" --durations yes 2>&1 | tee "$out/tests.txt" || status=1
echo "-- hidden large tests (1e8 values)"
"$dir/stampede_gpu_tests" "[.large]" --durations yes 2>&1 | tee "$out/tests-large.txt" || status=1
echo "-- bench"
# shellcheck disable=SC2086  # BENCH_SIZES is a list of words on purpose
"$dir/bench_gpu_stats" ${BENCH_SIZES:-1e7 1e8 1e9} --reps "${BENCH_REPS:-3}" \
  --max-double "${BENCH_MAX_DOUBLE:-1e9}" 2>&1 | tee "$out/bench.txt" || status=1
echo "-- bench: the ensemble of stampede project (1,000 members x 8,760 hours x 10 outcomes)"
"$dir/bench_gpu_stats" --ensemble 1000x8760x10 --reps "${BENCH_REPS:-3}" 2>&1 |
  tee "$out/bench-ensemble.txt" || status=1
exit $status
