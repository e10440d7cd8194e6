#!/usr/bin/env bash
# Configures build/ (Release with debug info, ninja) and builds the targets
# named, or everything when none is:
#   scripts/build.sh            the libraries, the stampede binary, every test and benchmark
#   scripts/build.sh stampede   the binary and the libraries it links, nothing else
# The configuration is the same whatever is built, so going from one to the
# other builds only what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build "${targets[@]}"
