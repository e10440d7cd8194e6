#!/usr/bin/env bash
# Builds stampede and its tests with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan/ and runs the test suites there. Slow (see tests/README.md for
# its time), so it is not part of .ci/run: run it before a release, or after
# touching memory-heavy code.
#
#   scripts/sanitize.sh                 build, then every suite
#   scripts/sanitize.sh sim reports     build and run only these folders' suites
#                                       (sim, gpu, reports, actors, cli)
#
# Any report fails the run (halt_on_error). Known reports in third-party code
# are suppressed in scripts/sanitize-ubsan.supp, each entry with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
# -O1: the sanitizers' own advice, and several times faster than -O0 here.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTAMPEDE_BENCHMARKS=OFF \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null

folders=("$@")
[[ ${#folders[@]} -eq 0 ]] && folders=(sim gpu reports actors cli)
# Only the test binaries asked for (and what they need: the cli tests depend
# on the stampede binary and the fault server).
targets=()
for f in "${folders[@]}"; do targets+=("stampede_${f}_tests"); done
cmake --build build-asan --target "${targets[@]}"

# detect_leaks: CAF and OpenMP keep their thread pools and singletons until
# exit on purpose; a leak report at exit says nothing about stampede's code.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
# Tests that cannot run sanitized (under `ulimit -v`) see this and say so.
export STAMPEDE_SANITIZED=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/scripts/sanitize-ubsan.supp"

pattern=$(IFS="|"; echo "^(${folders[*]}):")
cd build-asan
start=$(date +%s)
status=0
ctest --output-on-failure -j2 --timeout 1800 -R "$pattern" || status=$?
echo "-- sanitized suites (${folders[*]}) took $(( $(date +%s) - start )) s"
exit $status
