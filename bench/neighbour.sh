#!/usr/bin/env bash
# A run beside a busy neighbour: one core kept busy by another program
# (`yes > /dev/null`), as a user's machine always has some. Per round and
# scenario: the run alone and then beside `yes`, with the default threads,
# then the same two with `--threads 2`; each ratio is the wall time beside
# `yes` over the wall time alone, same threads, same round.
#
# usage: bench/neighbour.sh [BUILD_DIR] [ROUNDS] [SCENARIO ...] [-- BENCH_ENGINE_FLAGS ...]
#        (default: build, 3, viral-cascade and quickstart; flags such as
#        --set horizon=2d shorten every run on a machine too busy for whole ones)
#
# Method: one bench_engine --reps 1 per cell (a whole actors::run(), its wall
# time and the threads it used; with the default threads the engine samples
# the idle CPUs when the run starts, after `yes` has had 0.5 s to settle); the
# cells of a round run back to back, so a ratio compares runs seconds apart.
# The machine's state is printed before each round (/proc/loadavg): a ratio is
# only as good as the run alone. `yes` runs in a session of its own (setsid),
# as a program started from another terminal does: with the kernel's
# autogroups the CPU is shared between sessions first, so a `yes` in this
# script's session would halve the run's share on a machine that other
# sessions keep busy, whatever the run does.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
shift $(($# < 2 ? $# : 2))
scenarios=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  scenarios+=("$1")
  shift
done
[ $# -gt 0 ] && shift
flags=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(scenarios/viral-cascade.yaml scenarios/quickstart.yaml)

yes_pid=
stop_neighbour() {
  if [ -n "$yes_pid" ]; then
    kill "$yes_pid" 2>/dev/null || true
    wait "$yes_pid" 2>/dev/null || true
    yes_pid=
  fi
}
trap stop_neighbour EXIT

# "WALL THREADS" of one bench_engine run.
run_once() {
  "$build/bench/bench_engine" "$1" --threads "$2" --reps 1 "${flags[@]}" |
    awk '/^wall_s/ { w = $2 } /^threads_used/ { t = $2 } END { print w, t }'
}

echo "# neighbour: ${rounds} rounds; default threads alone, beside yes; --threads 2 alone, beside yes"
echo "# method: bench_engine --reps 1 ${flags[*]} per cell; ratio = beside / alone, same threads, same round"
printf '%-16s %5s  %-13s %-20s  %-13s %-20s\n' scenario round alone beside "alone -t 2" "beside -t 2"
for round in $(seq 1 "$rounds"); do
  echo "# round ${round}: loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  for scenario in "${scenarios[@]}"; do
    read -r alone alone_t < <(run_once "$scenario" 0)
    read -r alone2 alone2_t < <(run_once "$scenario" 2)
    setsid yes >/dev/null &
    yes_pid=$!
    sleep 0.5  # let the neighbour settle on its core before the run samples the CPUs
    read -r beside beside_t < <(run_once "$scenario" 0)
    read -r beside2 beside2_t < <(run_once "$scenario" 2)
    stop_neighbour
    awk -v n="$(basename "$scenario" .yaml)" -v r="$round" -v a="$alone" -v at="$alone_t" \
      -v b="$beside" -v bt="$beside_t" -v c="$alone2" -v d="$beside2" 'BEGIN {
        printf "%-16s %5d  %6.2f s (%dt) %6.2f s (%dt) %5.2fx  %6.2f s      %6.2f s %5.2fx\n",
               n, r, a, at, b, bt, b / a, c, d, d / c }'
  done
done
