#!/usr/bin/env bash
# The README's first command: install what is missing, build the stampede
# binary (only it: scripts/test.sh builds the tests and benchmarks), and run
# the shipped default scenario into out/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh stampede
build/cli/stampede run scenarios/quickstart.yaml --out out/quickstart --progress "$@"
