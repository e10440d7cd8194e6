#!/usr/bin/env bash
# The README's first command: install what is missing, build, and run the
# shipped default scenario into out/quickstart.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/cli/stampede run scenarios/quickstart.yaml --out out/quickstart --progress "$@"
