#!/usr/bin/env bash
# Web benchmark of the daemon's embedded web server, two modes sharing one setup (a release
# build, a site with six quick checks, a signed-in browser session and a read-only API token):
#
#   bench/web/run.sh [throughput] [SECONDS] [CONNECTIONS] [HTTP-THREADS]   (default 15 s, 32, 1)
#     wrk against the status board (session cookie), the JSON API and /metrics (bearer token),
#     beside nginx serving a static copy of the same board in the same run: requests/s, p99,
#     RSS and CPU. Goal (issue 10): >= 2,000 req/s on 2 cores with p99 < 20 ms.
#
#   bench/web/run.sh soak [REQUESTS] [CONNECTIONS-PER-TARGET] [BINARY]   (default 1000000, 32)
#     Memory soak (issue 21): REQUESTS in all, a third each to the board, the API and /metrics
#     at once; the daemon's RSS sampled every second before, during and for 60 s after. Goal: during the
#     load within 2x idle, after it back near idle. Results: bench/web/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
mode=throughput
if [ "${1:-}" = soak ] || [ "${1:-}" = throughput ]; then mode=$1; shift; fi
if [ "$mode" = soak ]; then
    ensure_packages $BUILD_PACKAGES wrk curl procps bc
    requests=${1:-1000000}
    conns=${2:-32}
    bin=${3:-}
    threads=1
else
    ensure_packages $BUILD_PACKAGES wrk nginx-light curl procps bc
    secs=${1:-15}
    conns=${2:-32}
    threads=${3:-1}
    bin=
fi

if [ -z "$bin" ]; then
    echo "==> release build"
    swift build -c release --product watchpost 2>&1 | tail -n 1
    bin="$(swift build -c release --show-bin-path)/watchpost"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
work=$(mktemp -d /tmp/watchpost-bench-web-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# One site with six quick checks so that the board and the API have real rows.
# The Tây Trang site as shipped (its contacts route by its id), with the bench's own checks.
mkdir -p "$work/wp/probes/tay-trang"
cp -r alerts "$work/wp/"
cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$work/wp/probes/tay-trang/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it, #19).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$work/wp/probes/tay-trang/site.conf"
printf '#!/bin/sh\necho "OK - fine | load=0.42;1;2 temp=41.5C"\nexit 0\n' > "$work/check_ok"; chmod +x "$work/check_ok"
printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 48)" > "$work/secrets.conf"; chmod 600 "$work/secrets.conf"
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
# Every wrk connection comes from 127.0.0.1: above the product's 16 per address (#19), or the
# extra ones are closed at once and wrk spins reconnecting (millions of read errors).
max_connections_per_address = $((3 * conns + 16))
CONF
for i in 1 2 3 4 5 6; do printf '[check c%s]\nkind = exec\nname = Kiểm tra %s\ncommand = %s/check_ok\ninterval = 5s\ntimeout = 3s\n\n' $i $i "$work"; done > "$work/wp/probes/tay-trang/checks.conf"
"$bin" check --config "$work/wp" >"$work/check.txt" 2>&1 || { cat "$work/check.txt"; exit 1; }
printf 'k9-Lantern-pass\n' | "$bin" user add bench --role department --name "Sở TT&TT" --config "$work/wp" >/dev/null
token=$("$bin" user token bench --config "$work/wp")

"$bin" run --config "$work/wp" 2>"$work/wp.log" &
wp=$!; pids+=($wp)
for _ in $(seq 100); do curl -sf -m 5 "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
# Sign in as a browser would: form token cookie + field, then the session cookie.
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&login=bench&password=k9-Lantern-pass&next=/" "http://127.0.0.1:$port/login"
session=$(awk '$6 == "wp_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "login failed"; cat "$work/wp.log"; exit 1; }
sleep 8   # the checks have run once, the web server has answered once
curl -sf -H "Cookie: wp_session=$session" "http://127.0.0.1:$port/" > "$work/board.html"
grep -q "Kiểm tra 6" "$work/board.html" || { echo "status board has no checks yet"; exit 1; }

board=("http://127.0.0.1:$port/" "Cookie: wp_session=$session")
api=("http://127.0.0.1:$port/api/v1/checks" "Authorization: Bearer $token")
metrics=("http://127.0.0.1:$port/metrics" "Authorization: Bearer $token")
rss() { awk '/VmRSS/ {print $2}' /proc/$wp/status; }
# Anonymous (heap, stacks) against file-backed (the binary, libraries, SQLite mappings) memory.
parts() { awk '/RssAnon|RssFile/ {printf "%s %s kB  ", $1, $2}' /proc/$wp/status; }
threadcount() { ls /proc/$wp/task | wc -l; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [ "$mode" = soak ]; then
    # Each wrk (one thread) stops after its share of the requests and leaves a mark; wrk's main
    # thread sleeps for the whole -d, so the loop below interrupts it (SIGINT) to get its report.
    cat > "$work/limit.lua" <<'LUA'
local limit = tonumber(os.getenv("WRK_LIMIT"))
local answered = 0
function response(status, headers, body)
    answered = answered + 1
    if answered == limit then
        local f = io.open(os.getenv("WRK_DONE"), "w"); if f then f:close() end
        wrk.thread:stop()
    end
end
LUA
    share=$(( (requests + 2) / 3 ))
    idle=$(rss)
    echo "idle: RSS ${idle} kB ($(parts)), threads $(threadcount), load $(load)"
    start=$(date +%s)
    soak_wrk() {  # name url header
        WRK_LIMIT=$share WRK_DONE="$work/$1.done" wrk -t1 -c"$conns" -d3600s -s "$work/limit.lua" -H "$3" "$2" > "$work/$1.txt" 2>&1 &
        pids+=($!)
    }
    soak_wrk board "${board[@]}"; w_board=$!
    soak_wrk api "${api[@]}"; w_api=$!
    soak_wrk metrics "${metrics[@]}"; w_metrics=$!
    peak=0; sum=0; n=0
    : > "$work/samples"
    while kill -0 $w_board 2>/dev/null || kill -0 $w_api 2>/dev/null || kill -0 $w_metrics 2>/dev/null; do
        r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
        sum=$((sum + r)); n=$((n + 1))
        echo "$(( $(date +%s) - start )) $r $(threadcount)" >> "$work/samples"
        for t in board api metrics; do
            [ -f "$work/$t.done" ] && [ ! -f "$work/$t.interrupted" ] && { eval "kill -INT \$w_$t" 2>/dev/null; touch "$work/$t.interrupted"; }
        done
        sleep 1
    done
    wait $w_board $w_api $w_metrics || true
    elapsed=$(( $(date +%s) - start ))
    total=0
    for t in board api metrics; do
        c=$(awk '/requests in/ {print $1}' "$work/$t.txt"); total=$((total + ${c:-0}))
        echo "$t: ${c:-0} requests, $(awk '/^Requests\/sec/ {print int($2)}' "$work/$t.txt") req/s $(grep -hE 'Non-2xx|Socket errors|unable' "$work/$t.txt" || true)"
    done
    echo "during: ${total} requests in ${elapsed} s; RSS peak ${peak} kB, mean $((sum / (n > 0 ? n : 1))) kB over $n samples ($(parts)at the end), threads $(threadcount), load $(load)"
    sleep 30
    after30=$(rss)
    echo "after 30 s quiet: RSS ${after30} kB ($(parts)), threads $(threadcount)"
    sleep 30
    after60=$(rss)
    echo "after 60 s quiet: RSS ${after60} kB ($(parts)), threads $(threadcount), load $(load)"
    echo "RSS samples (s kB threads), every 10th:"; awk 'NR % 10 == 1' "$work/samples" | paste -sd' ' | fold -w 120
    printf 'RESULT idle=%s during_peak=%s after30=%s after60=%s requests=%s seconds=%s req_per_s=%s ratio_peak=%s ratio_after60=%s\n' "$idle" "$peak" "$after30" "$after60" "$total" "$elapsed" \
        "$((total / (elapsed > 0 ? elapsed : 1)))" "$(echo "scale=2; $peak / $idle" | bc)" "$(echo "scale=2; $after60 / $idle" | bc)"
    ok=1
    [ "$total" -ge "$requests" ] || { echo "NOT met: only $total of $requests requests answered"; ok=0; }
    [ "$peak" -le $((2 * idle)) ] || { echo "NOT met: peak RSS over 2x idle"; ok=0; }
    [ "$ok" = 1 ] && echo "goal (peak <= 2x idle over $requests requests): met"
    exit 0
fi

# nginx serving the same page as a static file: the ceiling for these bytes on this machine.
nport=$(free_port)
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
for _ in $(seq 50); do curl -sf -m 5 "http://127.0.0.1:$nport/" >/dev/null && break; sleep 0.1; done

measure() {  # pid -> "rss_kb cpu_ticks"
  echo "$(awk '/VmRSS/ {print $2}' /proc/$1/status) $(awk '{print $14 + $15}' /proc/$1/stat)"
}
p99() { awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.2f", v}' "$1"; }
declare -A RPS P99 RSS CPU
run() {  # name url header
  local name=$1 url=$2 header=$3
  wrk -t2 -c8 -d2s -H "$header" "$url" >/dev/null 2>&1  # warm-up
  read rss0 cpu0 < <(measure $wp)
  wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$header" "$url" > "$work/$name.txt" 2>&1
  read rss1 cpu1 < <(measure $wp)
  RPS[$name]=$(awk '/^Requests\/sec/ {print int($2)}' "$work/$name.txt")
  P99[$name]=$(p99 "$work/$name.txt")
  RSS[$name]=$rss1
  CPU[$name]=$(echo "scale=0; ($cpu1 - $cpu0) * 100 / $(getconf CLK_TCK) / $secs" | bc)
  if grep -q "Non-2xx" "$work/$name.txt"; then echo "!! $name: $(grep Non-2xx "$work/$name.txt")"; fi
}
echo "==> wrk, $conns connections, ${secs}s per run, load $(load)"
run board "${board[@]}"
run api "${api[@]}"
run metrics "${metrics[@]}"
# nginx: measure its workers' CPU instead of the daemon's.
wrk -t2 -c8 -d2s "http://127.0.0.1:$nport/" >/dev/null 2>&1
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$nport/" > "$work/nginx.txt" 2>&1
RPS[nginx]=$(awk '/^Requests\/sec/ {print int($2)}' "$work/nginx.txt")
P99[nginx]=$(p99 "$work/nginx.txt")
nrss=$(for p in $(pgrep -f "nginx: worker process"); do awk '/VmRSS/ {print $2}' /proc/$p/status; done | paste -sd+ | bc)

printf '\n%-40s %10s %10s %12s %10s %14s\n' "target (wrk -c$conns, ${secs}s, 2 cores shared)" "req/s" "p99 ms" "RSS kB" "CPU %" "req/s vs nginx"
for n in board api metrics; do
  printf '%-40s %10s %10s %12s %10s %14s\n' "watchpost $n" "${RPS[$n]}" "${P99[$n]}" "${RSS[$n]}" "${CPU[$n]}" "$(echo "scale=2; ${RPS[$n]} / ${RPS[nginx]}" | bc)"
done
printf '%-40s %10s %10s %12s %10s %14s\n' "nginx static copy of the board" "${RPS[nginx]}" "${P99[nginx]}" "$nrss" "-" "1.00"
printf '\nboard page: %s bytes; load %s; goal >= 2000 req/s and p99 < 20 ms: ' "$(stat -c %s "$work/board.html")" "$(load)"
if [ "${RPS[board]}" -ge 2000 ] && [ "${RPS[api]}" -ge 2000 ] && [ "$(echo "${P99[board]} < 20 && ${P99[api]} < 20" | bc)" = 1 ]; then echo "met"; else echo "NOT met"; fi
