#!/usr/bin/env bash
# User-space instructions per request of `stampede loadtest` and of wrk against
# nginx on loopback, counted by valgrind (cachegrind, no cache simulation):
#   bench/loadtest_instructions.sh [path/to/stampede]
# Unlike CPU time, the count hardly moves between runs or machines, so it
# resolves changes to the generator's own code that the noise of
# loadtest_vs_wrk.sh hides (two wrk runs a minute apart differ by up to 20%).
# It says nothing of system time, which is most of a request's CPU on
# loopback: loadtest_vs_wrk.sh stays the comparison that counts.
# Each tool runs 2 s and 5 s; the difference of the counts over the
# difference of the requests cancels start-up and the report. stampede asks
# for RATE requests/s (default 10000, one HTTP thread), which it keeps under
# valgrind over http; over https (HTTPS=1) ask for less, e.g. RATE=2000. What
# the model does per second rather than per request is included, spread over
# RATE. wrk runs closed-loop, as fast as valgrind lets it.
# Numbers, never pass/fail.
set -euo pipefail
stampede=$(realpath "${1:-build/cli/stampede}")
rate=${RATE:-10000}
command -v valgrind > /dev/null || { echo "needs valgrind: apt-get install valgrind" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
source "$(dirname "$0")/loopback_nginx.sh"
target=$url tls_line="" scheme=http
if [[ ${HTTPS:-0} == 1 ]]; then target=$tls_url tls_line="tls: {ca_file: $work/cert.pem}" scheme=https; fi

# Runs one command under valgrind, its output (with valgrind's) in
# $work/out, whatever its exit status (stampede exits 99 when it could not
# keep its schedule: the drops are printed below); prints the instructions
# counted (every thread).
instructions() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" > "$work/out" 2>&1 || true
  awk '/I *refs/ {gsub(",", "", $4); print $4}' "$work/out"
}
declare -A ir n dropped
for seconds in 2 5; do
  scenario "$target" "$rate" 1s "$tls_line" > "$work/lt.yaml"
  ir[s$seconds]=$(instructions "$stampede" loadtest "$work/lt.yaml" --out "$work/lt" --quiet --threads 1)
  read -r "n[s$seconds]" "dropped[$seconds]" < <(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["loadtest"]
print(s["endpoints"]["ping"]["completed"], "%.2f%%" % (s["dropped_share"] * 100))' "$work/lt/summary.json")
  ir[w$seconds]=$(instructions wrk -t1 -c64 -d${seconds}s "$target")
  n[w$seconds]=$(awk '/requests in/ {print $1}' "$work/out")
done
per_request() { echo $((($1 - $2) / ($3 - $4))); }
echo "$scheme, user instructions per request (valgrind; 5 s run minus 2 s run):"
echo "  stampede at $rate/s, 1 HTTP thread: $(per_request "${ir[s5]}" "${ir[s2]}" "${n[s5]}" "${n[s2]}")" \
  "(${n[s2]} and ${n[s5]} requests completed, ${dropped[2]} and ${dropped[5]} dropped)"
echo "  wrk -t1 -c64, closed loop:         $(per_request "${ir[w5]}" "${ir[w2]}" "${n[w5]}" "${n[w2]}")" \
  "(${n[w2]} and ${n[w5]} requests)"
