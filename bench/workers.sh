#!/usr/bin/env bash
# `--workers` on loopback against one process: wall time of `run` and `project`
# with 1..N `stampede worker` processes on this machine, and what crossed
# between the coordinator and the workers, read from the kernel's TCP counters
# of the workers' connections (`ss -ti`: bytes_sent + bytes_received, and
# data_segs_out, the worker's answers) sampled every 50 ms during an extra,
# untimed run: bytes per window = bytes / (answers / 2) up to the last sample.
# Messages per window of `run` are the protocol's: 4 per worker (step,
# stepped, serve, served); on loopback each is one TCP segment.
#
# usage: bench/workers.sh [BUILD] [MAX_WORKERS] [REPS]   (build/, 3, 3)
# Numbers only, no verdict; figures go to bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
max=${2:-3}
reps=${3:-3}
bin=$build/cli/stampede
out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Wall seconds of one command.
wall() { /usr/bin/time -f %e -o "$out/t" "$@" >/dev/null 2>&1 && cat "$out/t"; }
# Starts $1 workers with $2 threads each; sets `list` and `pids`.
start() {
  list="" pids=()
  for k in $(seq "$1"); do
    "$bin" worker --listen 127.0.0.1:0 --threads "$2" >"$out/w$k" 2>/dev/null &
    pids+=($!)
  done
  for k in $(seq "$1"); do
    until grep -q listening "$out/w$k"; do sleep 0.05; done
    list+="${list:+,}$(sed 's/listening on //' "$out/w$k")"
  done
}
# Runs "$@" while sampling the workers' connections; prints "bytes answers"
# of the last sample (summed over workers; answers = worker -> coordinator segments).
traffic() {
  local ports
  ports=$(echo "$list" | tr ',' '\n' | sed 's/.*://' | awk '{ printf "%s sport = :%s", (NR > 1 ? " or" : ""), $1 }')
  "$@" >/dev/null 2>&1 &
  local run=$! last=""
  while kill -0 "$run" 2>/dev/null; do
    local now
    now=$(ss -tinH state established "( $ports )" | awk '
      { for (i = 1; i <= NF; ++i) {
          split($i, kv, ":")
          if (kv[1] == "bytes_sent" || kv[1] == "bytes_received") b += kv[2]
          if (kv[1] == "data_segs_out") n += kv[2] } }
      END { if (n > 0) print b, n }')
    [ -n "$now" ] && last=$now
    sleep 0.05
  done
  wait "$run" || true
  echo "${last:-0 0}"
}
stop() { for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done; pids=(); }

run_case() {  # name, scenario, windows, extra args
  local name=$1 file=$2 windows=$3
  shift 3
  local one
  one=$(for _ in $(seq "$reps"); do wall "$bin" run "$file" --quiet --threads 1 --out "$out/r" "$@"; done | median)
  printf '%-22s %8s %9s %10s %12s %14s\n' "$name" "1 proc" "$one" - - -
  for w in $(seq "$max"); do
    start "$w" 1
    local t tr
    t=$(for _ in $(seq "$reps"); do wall "$bin" run "$file" --quiet --workers "$list" --out "$out/r" "$@"; done | median)
    tr=$(traffic "$bin" run "$file" --quiet --workers "$list" --out "$out/r" "$@")
    stop
    printf '%-22s %8s %9s %10s %12s %14s\n' "$name" "$w wkr" "$t" "$((4 * w))" \
      "$(echo "$tr" | awk -v w="$w" '{ printf "%.0f", ($2 > 0 ? $1 / ($2 / 2 / w) : 0) }')" \
      "$(awk -v t="$t" -v n="$windows" 'BEGIN { printf "%.0f", t / n * 1e6 }')"
  done
}

echo "# workers.sh: $bin, median of $reps; machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## run (loopback): wall s, messages/window, bytes/window, us/window"
printf '%-22s %8s %9s %10s %12s %14s\n' scenario nodes wall_s msgs/win bytes/win us/win
# small.yaml: 150k users, 10 s windows; 6 h = 2,160 windows.
run_case "small 6h" tests/scenarios/good/small.yaml 2160 --set horizon=6h
# quickstart: 2M users, 1 s windows; 1 h = 3,600 windows at scale 0.1.
run_case "quickstart 1h s=0.1" scenarios/quickstart.yaml 3600 --set horizon=1h --scale 0.1
# quickstart at full scale with 60 s windows: 120 windows of 2M users each.
run_case "quickstart 2h tick=60s" scenarios/quickstart.yaml 120 --set horizon=2h --set tick=60s

echo "## project (loopback): 24 members of tests/scenarios/good/projection.yaml at 300k users, 3 d; bytes per member from the workers' TCP counters"
members=24
pargs=(tests/scenarios/good/projection.yaml --members "$members" --quiet --set population.size=300000 --set horizon=3d)
one=$(for _ in $(seq "$reps"); do wall "$bin" project "${pargs[@]}" --threads 2 --out "$out/p"; done | median)
printf '%-10s %9s %14s\n' nodes wall_s bytes/member
printf '%-10s %9s %14s\n' "1 proc 2t" "$one" -
for w in 1 2; do
  start "$w" $((2 / w))
  t=$(for _ in $(seq "$reps"); do wall "$bin" project "${pargs[@]}" --workers "$list" --out "$out/p"; done | median)
  tr=$(traffic "$bin" project "${pargs[@]}" --workers "$list" --out "$out/p")
  stop
  printf '%-10s %9s %14s\n' "$w wkr x$((2 / w))t" "$t" "$(echo "$tr" | awk -v m="$members" '{ printf "%.0f", $1 / m }')"
done
