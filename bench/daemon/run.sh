#!/usr/bin/env bash
# Foundation benchmark: binary size, and the daemon's steady RSS and CPU beside Debian's monit,
# each running three similar checks (a TCP port, an HTTP URL, a program) on loopback for the
# same time, in the same run. Prints a table with ratios.
#   bench/daemon/run.sh [SECONDS]        (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES monit python3 procps time
secs=${1:-60}
work=$(mktemp -d /tmp/watchpost-bench-daemon-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "==> release build"
t0=$(date +%s.%N)
swift build -c release --product watchpost 2>&1 | tail -n 1
t1=$(date +%s.%N)
bin="$(swift build -c release --show-bin-path)/watchpost"
cp "$bin" "$work/watchpost.stripped" && strip "$work/watchpost.stripped"

# The three targets both tools watch: a TCP port and an HTTP URL (one small server), a program.
/usr/bin/python3 -m http.server 18080 --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
printf '#!/bin/sh\necho "OK - fine"\nexit 0\n' > "$work/check_ok"; chmod +x "$work/check_ok"

# Watchpost configuration: shipped contacts/chains, one site, three checks at 10 s.
mkdir -p "$work/wp/probes/bench"
cp -r alerts "$work/wp/"
cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$work/wp/probes/bench/"
sed -i 's/^id = tay-trang/id = bench/' "$work/wp/probes/bench/site.conf"
printf '[daemon]\ndatabase = %s/wp.db\nsecrets = %s/none.conf\nlog_level = warning\n' "$work" "$work" > "$work/wp/watchpost.conf"
{
  if grep -q '"tcp"' Sources/WatchpostConfig/*.swift 2>/dev/null; then
    printf '[check port]\nkind = tcp\nhost = 127.0.0.1\nport = 18080\ninterval = 10s\n\n'
    printf '[check web]\nkind = http\nurl = http://127.0.0.1:18080/\ninterval = 10s\n\n'
  else
    printf '[check port]\nkind = exec\ncommand = %s/check_ok\ninterval = 10s\n\n' "$work"
    printf '[check web]\nkind = exec\ncommand = %s/check_ok\ninterval = 10s\n\n' "$work"
  fi
  printf '[check prog]\nkind = exec\ncommand = %s/check_ok\ninterval = 10s\n' "$work"
} > "$work/wp/probes/bench/checks.conf"
"$bin" check --config "$work/wp"

# monit configuration: the same three checks every 10 s.
cat > "$work/monitrc" <<MONIT
set daemon 10
set logfile $work/monit.log
set pidfile $work/monit.pid
set idfile $work/monit.id
set statefile $work/monit.state
check host local with address 127.0.0.1
  if failed port 18080 type tcp then alert
  if failed port 18080 protocol http request "/" then alert
check program ok with path "$work/check_ok"
  if status != 0 then alert
MONIT
chmod 600 "$work/monitrc"

measure() {  # pid -> "rss_kb cpu_seconds"
  local pid=$1
  local rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  local ticks=$(awk '{print $14 + $15}' /proc/$pid/stat)
  echo "$rss $(echo "scale=3; $ticks / $(getconf CLK_TCK)" | bc)"
}

"$bin" run --config "$work/wp" 2>"$work/wp.log" &
wp=$!
monit -I -c "$work/monitrc" >/dev/null 2>&1 &
mo=$!
sleep 5
read wp_rss0 wp_cpu0 < <(measure $wp); read mo_rss0 mo_cpu0 < <(measure $mo)
sleep "$secs"
read wp_rss wp_cpu < <(measure $wp); read mo_rss mo_cpu < <(measure $mo)
wp_peak=$(awk '/VmHWM/ {print $2}' /proc/$wp/status); mo_peak=$(awk '/VmHWM/ {print $2}' /proc/$mo/status)
kill $wp $mo

size=$(stat -c %s "$bin"); ssize=$(stat -c %s "$work/watchpost.stripped")
printf '\n%-34s %14s %14s %8s\n' "measure ($secs s steady state)" "watchpost" "monit" "ratio"
printf '%-34s %14s %14s %8s\n' "RSS (kB)" "$wp_rss" "$mo_rss" "$(echo "scale=2; $wp_rss / $mo_rss" | bc)"
printf '%-34s %14s %14s %8s\n' "peak RSS (kB)" "$wp_peak" "$mo_peak" "$(echo "scale=2; $wp_peak / $mo_peak" | bc)"
wp_c=$(echo "$wp_cpu - $wp_cpu0" | bc); mo_c=$(echo "$mo_cpu - $mo_cpu0" | bc)
printf '%-34s %14s %14s %8s\n' "CPU seconds" "$wp_c" "$mo_c" "$( [ "$(echo "$mo_c > 0" | bc)" = 1 ] && echo "scale=2; $wp_c / $mo_c" | bc || echo n/a)"
printf '%-34s %14s\n' "binary size (bytes)" "$size"
printf '%-34s %14s\n' "binary size stripped (bytes)" "$ssize"
printf '%-34s %14s\n' "release build from clean (s)" "$(echo "$t1 - $t0" | bc)"
