#!/usr/bin/env bash
# bench_engine of two builds side by side (before and after a change), and on
# one thread sim::world against the CAF engine: the median wall time of each
# scenario at 1 and 2 threads, the runs of the two builds interleaved so that a
# change in the machine's load hits both alike.
#
# usage: bench/engine_compare.sh BEFORE_BUILD AFTER_BUILD [REPS]   (REPS default 3)
# BEFORE_BUILD's bench_engine may predate --runner (then its 1-thread run is the
# CAF engine, as it always was). SCENARIOS="viral-cascade" and THREADS="2"
# narrow the table to some cells; the fastest run of each build is printed
# beside the medians, since a VM whose speed drifts between minutes moves
# medians of a few runs by more than the differences sought. BEFORE_SCENARIOS
# (default scenarios) is where the before build reads them, for a build older
# than a key the shipped files now use.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1
after=$2
reps=${3:-3}
read -r -a scenarios <<< "${SCENARIOS:-quickstart viral-cascade ghibli-launch}"
read -r -a threads <<< "${THREADS:-1 2}"
fastest() { sort -g | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# One repetition: the wall seconds bench_engine prints for it.
once() { "$@" --reps 1 | awk '/^wall_s/ { print $2 }'; }
echo "# engine_compare: before $before, after $after; median of $reps interleaved runs"
echo "# machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %7s %12s %12s %8s %12s %12s %8s\n' scenario threads before_s after_s after/before \
  fastest_b fastest_a ratio
for s in "${scenarios[@]}"; do
  for t in "${threads[@]}"; do
    b=() a=()
    for _ in $(seq "$reps"); do
      b+=("$(once "$before/bench/bench_engine" "${BEFORE_SCENARIOS:-scenarios}/$s.yaml" --threads "$t")")
      a+=("$(once "$after/bench/bench_engine" "scenarios/$s.yaml" --threads "$t")")
    done
    mb=$(printf '%s\n' "${b[@]}" | median)
    ma=$(printf '%s\n' "${a[@]}" | median)
    fb=$(printf '%s\n' "${b[@]}" | fastest)
    fa=$(printf '%s\n' "${a[@]}" | fastest)
    printf '%-14s %7d %12.3f %12.3f %8.3f %12.3f %12.3f %8.3f\n' "$s" "$t" "$mb" "$ma" \
      "$(echo "$ma / $mb" | bc -l)" "$fb" "$fa" "$(echo "$fa / $fb" | bc -l)"
  done
done
[[ " ${threads[*]} " == *" 1 "* ]] || exit 0
echo "# one thread, after: sim::world against the CAF engine (--runner caf)"
printf '%-14s %12s %12s %8s\n' scenario world_s caf_s world/caf
for s in "${scenarios[@]}"; do
  w=() c=()
  for _ in $(seq "$reps"); do
    w+=("$(once "$after/bench/bench_engine" "scenarios/$s.yaml" --threads 1)")
    c+=("$(once "$after/bench/bench_engine" "scenarios/$s.yaml" --threads 1 --runner caf)")
  done
  mw=$(printf '%s\n' "${w[@]}" | median)
  mc=$(printf '%s\n' "${c[@]}" | median)
  printf '%-14s %12.3f %12.3f %8.3f\n' "$s" "$mw" "$mc" "$(echo "$mw / $mc" | bc -l)"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
