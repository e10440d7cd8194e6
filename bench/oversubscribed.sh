#!/usr/bin/env bash
# Two 2-thread simulated runs at once on a 2-core machine (what `ctest -j2`
# does with the CLI tests): how long the pair takes, wall clock, per round.
# A worker that only polls for work holds a core that the other run's worker
# needs; this measures what that costs.
#
# usage: bench/oversubscribed.sh [BUILD_DIR] [ROUNDS]   (default build, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
echo "# oversubscribed: viral-cascade and quickstart, --threads 2 each, at once, ${rounds} rounds"
echo "# method: wall clock of the pair (date +%s.%N), each bench_engine --reps 1"
for i in $(seq 1 "$rounds"); do
  start=$(date +%s.%N)
  "$build/bench/bench_engine" scenarios/viral-cascade.yaml --threads 2 --reps 1 >/dev/null &
  "$build/bench/bench_engine" scenarios/quickstart.yaml --threads 2 --reps 1 >/dev/null &
  wait
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v i="$i" 'BEGIN { printf "round %d: %.2f s\n", i, e - s }'
done
