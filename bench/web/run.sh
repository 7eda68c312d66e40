#!/usr/bin/env bash
# Web benchmark: wrk against the embedded web server's status page (signed in, session cookie),
# the JSON API (bearer token) and /metrics, beside nginx serving a static copy of the same
# status page, in the same run. Reports requests/s, p99 latency, and the daemon's RSS and CPU
# under load. Goal (issue 10): >= 2,000 req/s on 2 cores with p99 < 20 ms.
#   bench/web/run.sh [SECONDS-PER-RUN] [CONNECTIONS] [HTTP-THREADS]   (default 15 s, 32 connections, 1 thread)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES wrk nginx-light curl procps bc
secs=${1:-15}
conns=${2:-32}
threads=${3:-1}
port=18380
nport=18381
work=$(mktemp -d /tmp/watchpost-bench-web-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "==> release build"
swift build -c release --product watchpost 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)/watchpost"

# One site with six quick checks so that the board and the API have real rows.
mkdir -p "$work/wp/probes/bench"
cp -r alerts "$work/wp/"
cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$work/wp/probes/bench/"
sed -i 's/^id = tay-trang/id = bench/' "$work/wp/probes/bench/site.conf"
printf '#!/bin/sh\necho "OK - fine | load=0.42;1;2 temp=41.5C"\nexit 0\n' > "$work/check_ok"; chmod +x "$work/check_ok"
printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 32)" > "$work/secrets.conf"; chmod 600 "$work/secrets.conf"
cat > "$work/wp/watchpost.conf" <<CONF
[daemon]
database = $work/wp.db
secrets = $work/secrets.conf
log_level = warning
jitter = 0
[smtp]
host = 127.0.0.1
insecure = true
from = bench@example.org
[web]
listen = 127.0.0.1:$port
threads = $threads
CONF
for i in 1 2 3 4 5 6; do printf '[check c%s]\nkind = exec\nname = Kiểm tra %s\ncommand = %s/check_ok\ninterval = 5s\ntimeout = 3s\n\n' $i $i "$work"; done > "$work/wp/probes/bench/checks.conf"
"$bin" check --config "$work/wp"
printf 'k9-Lantern-pass\n' | "$bin" user add bench --role department --name "Sở TT&TT" --config "$work/wp" >/dev/null
token=$("$bin" user token bench --config "$work/wp")

"$bin" run --config "$work/wp" 2>"$work/wp.log" &
wp=$!; pids+=($wp)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
sleep 7   # the checks have run once

# Sign in as a browser would: form token cookie + field, then the session cookie.
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&login=bench&password=k9-Lantern-pass&next=/" "http://127.0.0.1:$port/login"
session=$(awk '$6 == "wp_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "login failed"; cat "$work/wp.log"; exit 1; }
curl -sf -H "Cookie: wp_session=$session" "http://127.0.0.1:$port/" > "$work/board.html"
grep -q "Kiểm tra 6" "$work/board.html" || { echo "status board has no checks yet"; exit 1; }

# nginx serving the same page as a static file: the ceiling for these bytes on this machine.
mkdir -p "$work/www" && cp "$work/board.html" "$work/www/index.html"
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$nport; root $work/www; location / { default_type text/html; } }
}
NGINX
nginx -c "$work/nginx.conf"
sleep 0.5

measure() {  # pid -> "rss_kb cpu_ticks"
  echo "$(awk '/VmRSS/ {print $2}' /proc/$1/status) $(awk '{print $14 + $15}' /proc/$1/stat)"
}
declare -A RPS P99 RSS CPU
run() {  # name url header
  local name=$1 url=$2 header=$3
  wrk -t2 -c8 -d2s -H "$header" "$url" >/dev/null 2>&1  # warm-up
  read rss0 cpu0 < <(measure $wp)
  wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$header" "$url" > "$work/$name.txt" 2>&1
  read rss1 cpu1 < <(measure $wp)
  RPS[$name]=$(awk '/^Requests\/sec/ {print int($2)}' "$work/$name.txt")
  P99[$name]=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.2f", v}' "$work/$name.txt")
  RSS[$name]=$rss1
  CPU[$name]=$(echo "scale=0; ($cpu1 - $cpu0) * 100 / $(getconf CLK_TCK) / $secs" | bc)
  if grep -q "Non-2xx" "$work/$name.txt"; then echo "!! $name: $(grep Non-2xx "$work/$name.txt")"; fi
}
echo "==> wrk, $conns connections, ${secs}s per run"
run board "http://127.0.0.1:$port/" "Cookie: wp_session=$session"
run api "http://127.0.0.1:$port/api/v1/checks" "Authorization: Bearer $token"
run metrics "http://127.0.0.1:$port/metrics" "Authorization: Bearer $token"
# nginx: measure its workers' CPU instead of the daemon's.
wrk -t2 -c8 -d2s "http://127.0.0.1:$nport/" >/dev/null 2>&1
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$nport/" > "$work/nginx.txt" 2>&1
RPS[nginx]=$(awk '/^Requests\/sec/ {print int($2)}' "$work/nginx.txt")
P99[nginx]=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.2f", v}' "$work/nginx.txt")
nrss=$(for p in $(pgrep -f "nginx: worker process"); do awk '/VmRSS/ {print $2}' /proc/$p/status; done | paste -sd+ | bc)

printf '\n%-40s %10s %10s %12s %10s %14s\n' "target (wrk -c$conns, ${secs}s, 2 cores shared)" "req/s" "p99 ms" "RSS kB" "CPU %" "req/s vs nginx"
for n in board api metrics; do
  printf '%-40s %10s %10s %12s %10s %14s\n' "watchpost $n" "${RPS[$n]}" "${P99[$n]}" "${RSS[$n]}" "${CPU[$n]}" "$(echo "scale=2; ${RPS[$n]} / ${RPS[nginx]}" | bc)"
done
printf '%-40s %10s %10s %12s %10s %14s\n' "nginx static copy of the board" "${RPS[nginx]}" "${P99[nginx]}" "$nrss" "-" "1.00"
printf '\nboard page: %s bytes; goal >= 2000 req/s and p99 < 20 ms: ' "$(stat -c %s "$work/board.html")"
if [ "${RPS[board]}" -ge 2000 ] && [ "${RPS[api]}" -ge 2000 ] && [ "$(echo "${P99[board]} < 20 && ${P99[api]} < 20" | bc)" = 1 ]; then echo "met"; else echo "NOT met"; fi
