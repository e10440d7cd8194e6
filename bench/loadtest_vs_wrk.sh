#!/usr/bin/env bash
# stampede loadtest vs wrk (and hey / h2load when installed) against nginx on
# loopback, in the same run, over HTTP and then HTTPS (keep-alive TLS 1.3,
# stampede verifying the certificate): requests/s, CPU per request and peak RSS.
#   bench/loadtest_vs_wrk.sh [path/to/stampede]
# wrk is closed-loop: 64 connections, each sends its next request when the
# last is answered, flat out. stampede is an open model: requests have
# intended times. Both run on the same number of threads (THREADS, default
# "1 2": wrk -t1 against stampede --threads 1, then -t2 against --threads 2);
# on a machine with few cores the count decides more than either tool does.
# For each, stampede runs twice, with 64 connections and no more
# (max_connections: 64), 1 million simulated users:
#   at wrk's rate: asks for the requests/s wrk just measured, and says whether
#     it kept that schedule (dropped share, lag p99): the comparison that
#     holds for an open model;
#   flood: asks for ~230k requests/s, more than the machine can send; it books
#     the drop of every request it could not send, so its CPU per request
#     includes that bookkeeping.
# wrk runs again after them and the ratios are against the mean of its two
# runs: on a shared machine the speed drifts between minutes (two wrk runs a
# minute apart differ by up to 20% here). That is one round; ROUNDS (default
# 3) rounds run back to back, each stampede run asking for the rate of the wrk
# run just before it, and the summary lines give the median ratio, the
# range over the rounds, and in how many rounds the ratio met the target
# (requests/s >= 1, CPU per request <= 1): the speed drifts more than the
# tools differ, so a median alone can mislead.
# Numbers, never pass/fail.
set -euo pipefail
stampede=${1:-build/cli/stampede}
stampede=$(realpath "$stampede")
seconds=${SECONDS_PER_TOOL:-10}
rounds=${ROUNDS:-3}
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

# nginx on loopback (http on $port, https on $tls_port, $url) and `scenario`.
source "$(dirname "$0")/loopback_nginx.sh"

# /usr/bin/time: user+system CPU seconds and peak RSS (KiB) of one command.
measure() { /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" > "$work/out" 2>&1 || true; }
# The last line: time writes "Command exited with non-zero status 99" above it
# when stampede says its run was unreliable.
cpu() { tail -n 1 "$work/time" | awk '{print $1 + $2}'; }
rss() { tail -n 1 "$work/time" | awk '{print $3}'; }
row() {  # name requests seconds note: prints a row, sets us (CPU µs/request) and rate
  local c; c=$(cpu)
  rate=$(echo "$2 / $3" | bc -l)
  us=$(echo "$c * 1000000 / $2" | bc -l)
  printf '%-24s %9.0f req/s %7.2f us CPU/request  peak RSS %6d KiB  %s\n' \
    "$1" "$rate" "$us" "$(rss)" "$4"
}
echo "nginx on $url; machine: $(nproc) cores, $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# One stampede run of `scenario` on $threads HTTP threads: a row, with what it
# asked for and how it kept it; sets kept (yes or no).
stampede_row() {  # name target per_s max_lag tls_line
  scenario "$2" "$3" "$4" "$5" > "$work/lt.yaml"
  rm -rf "$work/lt"
  measure "$stampede" loadtest "$work/lt.yaml" --out "$work/lt" --quiet --threads "$threads"
  read -r n wall kept note < <(python3 - "$work/lt/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["loadtest"]; e = s["endpoints"]["ping"]
failed = e["failed"] + e["timed_out"]
print(e["completed"], s["wall_s"], "yes" if s["reliable"] else "no",
      f"asked {e['intended'] / s['wall_s']:.0f}/s: dropped {s['dropped_share'] * 100:.2f}%, "
      f"lag p99 {s['lag']['p99'] * 1e3:.1f} ms, kept its schedule: {'yes' if s['reliable'] else 'no'}"
      f"{f', {failed} failed' if failed else ''}, {s['peak_connections']} connections")
PY
)
  row "$1" "$n" "$wall" "$note"
}

ratio() { echo "$1 / $2" | bc -l; }  # a b: a / b

# "median (lowest-highest; meets the target in k of n)" of the ratios given
# after the target's side: ">=" (requests/s) or "<=" (CPU per request), of 1.0.
spread() {
  python3 -c 'import statistics, sys; side = sys.argv[1]; v = [float(x) for x in sys.argv[2:]]
k = sum(x >= 1 if side == ">=" else x <= 1 for x in v)
print(f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f}; {side} 1 in {k} of {len(v)})")' "$@"
}

wrk_row() {  # label url: a wrk row on $threads threads, sets rate and us
  measure wrk -t"$threads" -c64 -d${seconds}s "$2"
  row "$1" "$(awk '/requests in/ {print $1}' "$work/out")" "$seconds" "closed loop"
}

# `rounds` rounds of: stampede at the rate of the wrk run just before, stampede
# flood, wrk again; each stampede run against the mean of the wrk runs around it.
compare() {  # scheme url tls_line
  local at_rate_r=() at_cpu_r=() flood_rate_r=() flood_cpu_r=() kept_rounds=0 round
  wrk_row "wrk -t$threads -c64 $1" "$2"
  local wrk_rate=$rate wrk_us=$us
  for round in $(seq "$rounds"); do
    stampede_row "stampede at wrk's rate" "$2" "$wrk_rate" 100ms "$3"
    local at_rate=$rate at_us=$us at_kept=$kept
    stampede_row "stampede flood" "$2" 231481 1s "$3"
    local flood_rate=$rate flood_us=$us
    wrk_row "wrk -t$threads -c64 $1, round $round" "$2"
    local mean_rate mean_us
    mean_rate=$(echo "($wrk_rate + $rate) / 2" | bc -l)
    mean_us=$(echo "($wrk_us + $us) / 2" | bc -l)
    at_rate_r+=("$(ratio "$at_rate" "$mean_rate")")
    at_cpu_r+=("$(ratio "$at_us" "$mean_us")")
    flood_rate_r+=("$(ratio "$flood_rate" "$mean_rate")")
    flood_cpu_r+=("$(ratio "$flood_us" "$mean_us")")
    [[ $at_kept == yes ]] && kept_rounds=$((kept_rounds + 1))
    wrk_rate=$rate wrk_us=$us
  done
  printf '%s, %s thread(s), at wrk'"'"'s rate: stampede / wrk requests/s %s, CPU per request %s; kept its schedule in %d of %d rounds\n' \
    "$1" "$threads" "$(spread ">=" "${at_rate_r[@]}")" "$(spread "<=" "${at_cpu_r[@]}")" "$kept_rounds" "$rounds"
  printf '%s, %s thread(s), flood:         stampede / wrk requests/s %s, CPU per request %s\n' \
    "$1" "$threads" "$(spread ">=" "${flood_rate_r[@]}")" "$(spread "<=" "${flood_cpu_r[@]}")"
}

for threads in ${THREADS:-1 2}; do compare http "$url" ""; done

# The generator's own memory: the same 1M users at 20k requests/s, which
# nginx serves with room to spare, so nothing waits.
scenario "$url" 20000 100ms "" > "$work/steady.yaml"
measure "$stampede" loadtest "$work/steady.yaml" --out "$work/lt2" --quiet
python3 - "$work/lt2/summary.json" "$(rss)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); e = s["loadtest"]["endpoints"]["ping"]
print(f"stampede, 1M users at {e['sent'] / s['loadtest']['wall_s']:.0f} req/s (no backlog): "
      f"peak RSS {int(sys.argv[2])} KiB, {e['sent']} sent, {e['unsent_at_stop']} unsent, "
      f"lag p99 {s['loadtest']['lag']['p99'] * 1e3:.1f} ms")
PY

if command -v hey > /dev/null; then
  measure hey -z ${seconds}s -c 64 "$url"
  hey_rate=$(awk '/Requests\/sec/ {print $2}' "$work/out")
  row "hey -c 64" "$(echo "$hey_rate * $seconds" | bc -l | cut -d. -f1)" "$seconds" "closed loop"
fi
if command -v h2load > /dev/null; then
  measure h2load --h1 -c64 -t2 -D ${seconds} "$url"
  h2_n=$(awk '/^requests:/ {print $4}' "$work/out")
  row "h2load --h1 -c64 -t2" "$h2_n" "$seconds" "closed loop"
fi

# The same over HTTPS: TLS on keep-alive connections (one handshake per
# connection), so this is the cost of encrypting and decrypting each request.
for threads in ${THREADS:-1 2}; do compare https "$tls_url" "tls: {ca_file: $work/cert.pem}"; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
