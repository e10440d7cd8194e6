#!/usr/bin/env bash
# stampede loadtest vs wrk (and hey / h2load when installed) against nginx on
# loopback, in the same run: requests/s, CPU seconds per request, and the
# generator's peak RSS with 1 million simulated users driving it (flooding, and
# at a rate nginx keeps up with), then the same flood over HTTPS (wrk and
# stampede, keep-alive TLS 1.3, stampede verifying the certificate).
#   bench/loadtest_vs_wrk.sh [path/to/stampede]
# Both tools use 64 connections; stampede's scenario asks for ~230k requests/s
# (1M users, all adopted, 20,000 one-request sessions a day each), more than
# the machine can send, so both run at full speed. Numbers, never pass/fail.
set -euo pipefail
stampede=${1:-build/cli/stampede}
stampede=$(realpath "$stampede")
seconds=${SECONDS_PER_TOOL:-10}
work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
tls_port=$(free_port)
# A self-signed certificate for 127.0.0.1: stampede trusts it as its CA file.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
user_line=""; [[ $(id -u) -eq 0 ]] && user_line="user root;"
cat > "$work/nginx.conf" <<CONF
$user_line
daemon off; master_process off; worker_processes 1;
pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f;
  uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  server { listen 127.0.0.1:$port; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    location / { return 200 "ok"; }
  }
}
CONF
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" &
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
url=http://127.0.0.1:$port/

# /usr/bin/time: user+system CPU seconds and peak RSS (KiB) of one command.
measure() { /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" > "$work/out" 2>&1 || true; }
# The last line: time writes "Command exited with non-zero status 99" above it
# when stampede says its flood was unreliable.
cpu() { tail -n 1 "$work/time" | awk '{print $1 + $2}'; }
rss() { tail -n 1 "$work/time" | awk '{print $3}'; }
report() {  # name requests seconds
  local c; c=$(cpu)
  printf '%-10s %10.0f req/s  %8.2f us CPU/request  peak RSS %6d KiB  (%d requests, %.2f CPU s)\n' \
    "$1" "$(echo "$2 / $3" | bc -l)" "$(echo "$c * 1000000 / $2" | bc -l)" "$(rss)" "$2" "$c"
}
echo "nginx on $url; machine: $(nproc) cores, $(uname -r)"

measure wrk -t2 -c64 -d${seconds}s "$url"
wrk_n=$(awk '/requests in/ {print $1}' "$work/out")
report wrk "$wrk_n" "$seconds"
wrk_rate=$(echo "$wrk_n / $seconds" | bc -l)

cat > "$work/flood.yaml" <<YAML
scenario: flood
horizon: ${seconds}s
tick: 100ms
metrics: {report_interval: 1s}
population: {size: 1_000_000}
adoption: {innovation: 0.001/day, imitation: 0.001/day, initial_adopters: 1_000_000}
behavior:
  sessions_per_day: 20000
  diurnal: flat
  requests_per_session: {dist: constant, value: 1}
  mix: {ping: 1}
platform:
  endpoints: {ping: {pool: web, work: 0s}}
  pools: [{name: web, servers: 64}]
loadtest:
  target: $url
  time_scale: 1
  connections: 64
  timeout: 60s
  max_lag: 1s
  requests: {ping: {method: GET, path: "/?u=\${user_id}&s=\${seq}"}}
YAML
measure "$stampede" loadtest "$work/flood.yaml" --out "$work/lt" --quiet
st_n=$(python3 -c "import json; s=json.load(open('$work/lt/summary.json')); print(sum(e['completed'] for e in s['loadtest']['endpoints'].values()))")
st_wall=$(python3 -c "import json; print(json.load(open('$work/lt/summary.json'))['loadtest']['wall_s'])")
report stampede "$st_n" "$st_wall"
st_rate=$(echo "$st_n / $st_wall" | bc -l)
printf 'stampede / wrk requests/s: %.2f   (1M simulated users; peak RSS above)\n' "$(echo "$st_rate / $wrk_rate" | bc -l)"

# The flood's RSS is mostly its backlog (requests waiting for a connection).
# The generator's own memory: the same 1M users at ~20k requests/s, which
# nginx serves with room to spare, so nothing queues.
sed 's/sessions_per_day: 20000/sessions_per_day: 1728/' "$work/flood.yaml" > "$work/steady.yaml"
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
  report hey "$(echo "$hey_rate * $seconds" | bc -l | cut -d. -f1)" "$seconds"
fi
if command -v h2load > /dev/null; then
  measure h2load --h1 -c64 -t2 -D ${seconds} "$url"
  h2_n=$(awk '/^requests:/ {print $4}' "$work/out")
  report h2load "$h2_n" "$seconds"
fi

# The same flood over HTTPS: TLS on keep-alive connections (one handshake per
# connection), so this is the cost of encrypting and decrypting each request.
tls_url=https://127.0.0.1:$tls_port/
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$tls_port) 2>/dev/null && break; sleep 0.05; done
measure wrk -t2 -c64 -d${seconds}s "$tls_url"
wrk_tls_n=$(awk '/requests in/ {print $1}' "$work/out")
report wrk-https "$wrk_tls_n" "$seconds"
sed -e "s|target: $url|target: $tls_url|" -e "s|^loadtest:|loadtest:\n  tls: {ca_file: $work/cert.pem}|" \
  "$work/flood.yaml" > "$work/flood-tls.yaml"
measure "$stampede" loadtest "$work/flood-tls.yaml" --out "$work/lt3" --quiet
st_tls=$(python3 -c "import json; s=json.load(open('$work/lt3/summary.json'))['loadtest']; e=s['endpoints']['ping']; print(e['completed'], s['wall_s'], e['outcomes']['tls_handshake'])")
read -r st_tls_n st_tls_wall st_tls_fail <<< "$st_tls"
report st-https "$st_tls_n" "$st_tls_wall"
printf 'stampede / wrk requests/s over https: %.2f   (%d failed handshakes)\n' \
  "$(echo "($st_tls_n / $st_tls_wall) / ($wrk_tls_n / $seconds)" | bc -l)" "$st_tls_fail"
