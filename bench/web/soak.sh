#!/usr/bin/env bash
# Memory soak (issue 21): the daemon's RSS idle, during a sustained wrk load on the status board,
# the JSON API and /metrics at once, and after the load stops. The goal: during the load within
# 2x idle, after it back near idle.
#   bench/web/soak.sh [SECONDS] [CONNECTIONS-PER-TARGET] [BINARY]   (default 120 s, 32, release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES wrk curl procps
secs=${1:-120}
conns=${2:-32}
bin=${3:-}
if [ -z "$bin" ]; then
    swift build -c release --product watchpost 2>&1 | tail -n 1
    bin="$(swift build -c release --show-bin-path)/watchpost"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d /tmp/watchpost-soak-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

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
CONF
for i in 1 2 3 4 5 6; do printf '[check c%s]\nkind = exec\nname = Kiểm tra %s\ncommand = %s/check_ok\ninterval = 5s\ntimeout = 3s\n\n' $i $i "$work"; done > "$work/wp/probes/bench/checks.conf"
"$bin" check --config "$work/wp" >/dev/null
printf 'k9-Lantern-pass\n' | "$bin" user add bench --role department --name "Sở TT&TT" --config "$work/wp" >/dev/null
token=$("$bin" user token bench --config "$work/wp")
"$bin" run --config "$work/wp" 2>"$work/wp.log" &
wp=$!; pids+=($wp)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
jar="$work/cookies"
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&login=bench&password=k9-Lantern-pass&next=/" "http://127.0.0.1:$port/login"
session=$(awk '$6 == "wp_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "login failed"; cat "$work/wp.log"; exit 1; }

rss() { awk '/VmRSS/ {print $2}' /proc/$wp/status; }
# Anonymous (heap, stacks) against file-backed (the binary, libraries, SQLite mappings) memory.
parts() { awk '/RssAnon|RssFile/ {printf "%s %s kB  ", $1, $2}' /proc/$wp/status; }
threads() { ls /proc/$wp/task | wc -l; }
sleep 8   # the checks have run, the web server has answered once
idle=$(rss)
echo "idle: RSS ${idle} kB ($(parts)), threads $(threads), load $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t1 -c"$conns" -d"${secs}s" -H "Cookie: wp_session=$session" "http://127.0.0.1:$port/" > "$work/board.txt" 2>&1 &
w1=$!
wrk -t1 -c"$conns" -d"${secs}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/checks" > "$work/api.txt" 2>&1 &
w2=$!
wrk -t1 -c"$conns" -d"${secs}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" > "$work/metrics.txt" 2>&1 &
w3=$!
peak=0
while kill -0 $w1 2>/dev/null || kill -0 $w2 2>/dev/null || kill -0 $w3 2>/dev/null; do
    r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
    sleep 2
done
wait $w1 $w2 $w3 || true
total=0
for n in board api metrics; do
    c=$(awk '/requests in/ {print $1}' "$work/$n.txt"); total=$((total + c))
    echo "$n: $c requests, $(awk '/^Requests\/sec/ {print int($2)}' "$work/$n.txt") req/s $(grep -hE 'Non-2xx|Socket errors|unable' "$work/$n.txt" || true)"
done
during=$peak
echo "during: peak RSS ${during} kB ($(parts)at the end) over ${total} requests, threads $(threads), load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 15
after=$(rss)
echo "after (15 s quiet): RSS ${after} kB ($(parts)), threads $(threads)"
printf 'RESULT idle=%s during_peak=%s after=%s requests=%s ratio_during=%s ratio_after=%s\n' "$idle" "$during" "$after" "$total" \
    "$(echo "scale=2; $during / $idle" | bc)" "$(echo "scale=2; $after / $idle" | bc)"
