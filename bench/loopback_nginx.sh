# Sourced by the load-test benchmarks: nginx on loopback answering "ok" over
# http ($port, $url) and https ($tls_port, $tls_url; its self-signed
# certificate for 127.0.0.1 is $work/cert.pem, which stampede trusts as its
# CA file), both listening once sourced, and `scenario`, the load test they
# run. Needs $work (a temporary folder, nginx.pid in it for the caller's
# trap); `scenario` reads $seconds.
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
for listening in $port $tls_port; do
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$listening) 2>/dev/null && break; sleep 0.05; done
done
url=http://127.0.0.1:$port/
tls_url=https://127.0.0.1:$tls_port/

# The scenario of 1M users asking for `per_s` requests/s in total (each user
# `per_s` * 86400 / 1M one-request sessions a day), 64 connections at most.
scenario() {  # target per_s max_lag tls_line
  cat <<YAML
scenario: flood
horizon: ${seconds}s
tick: 100ms
metrics: {report_interval: 1s}
population: {size: 1_000_000}
adoption: {innovation: 0.001/day, imitation: 0.001/day, initial_adopters: 1_000_000}
behavior:
  sessions_per_day: $(echo "$2 * 86400 / 1000000" | bc -l)
  diurnal: flat
  requests_per_session: {dist: constant, value: 1}
  mix: {ping: 1}
platform:
  endpoints: {ping: {pool: web, work: 0s}}
  pools: [{name: web, servers: 64}]
loadtest:
  target: $1
  $4
  time_scale: 1
  connections: 64
  max_connections: 64
  timeout: 60s
  max_lag: $3
  requests: {ping: {method: GET, path: "/?u=\${user_id}&s=\${seq}"}}
YAML
}

