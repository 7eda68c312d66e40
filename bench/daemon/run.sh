#!/usr/bin/env bash
# Footprint benchmark: the daemon's steady RSS and CPU beside Debian's monit, in the same run, on
# the same machine, each watching the same things for the same time; then where each one's
# memory goes (bench/daemon/memory.py). Two sets of checks:
#   demo  (default) — the demo's Tây Trang profile (scripts/demo.sh) against its simulators: LED
#         controller (NovaStar), UPS (Megatec Q1 on a pty), player, content folder, two ping
#         targets, the player's web page, the mail server's port, the Department's HTTPS server,
#         the disk plugin; plus the web server and the outbox. monit gets each one it has an
#         equivalent for (ping, TCP, HTTP, HTTPS, program, file checksum, file exists).
#   three — a TCP port, an HTTP URL and a program on loopback (the earlier comparison).
#   bench/daemon/run.sh [SECONDS] [demo|three]        (default 60 demo; root for ping)
# WATCHPOST_KEEP_STARTUP_PAGES=1 measures the daemon without its return of start-up code pages to
# the kernel (MemoryTrimService's first pass, bench/daemon/README.md); the table says which.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES monit python3 python3-aiosmtpd procps time openssl bc binutils
secs=${1:-60}
set_name=${2:-demo}
work=$(mktemp -d /tmp/watchpost-bench-daemon-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# WATCHPOST_BENCH_BIN_DIR=DIR measures binaries already built there (watchpost, watchpost-sim).
t0=$(date +%s.%N)
if [ -n "${WATCHPOST_BENCH_BIN_DIR:-}" ]; then
  bin="$WATCHPOST_BENCH_BIN_DIR"
else
  echo "==> release build"
  swift build -c release 2>&1 | tail -n 1
  bin="$(swift build -c release --show-bin-path)"
fi
t1=$(date +%s.%N)
cp "$bin/watchpost" "$work/watchpost.stripped" && strip "$work/watchpost.stripped"
printf '#!/bin/sh\necho "OK - fine"\nexit 0\n' > "$work/check_ok"; chmod +x "$work/check_ok"

if [ "$set_name" = demo ]; then
  # The demo's configuration and simulators, exactly as scripts/demo.sh sets them up.
  demo="$work/demo"
  mkdir -p "$demo/config/probes" "$demo/mail/new" "$demo/mail/cur" "$demo/mail/tmp"
  cp -r alerts contrib "$demo/config/"
  cp -r probes/tay-trang "$demo/config/probes/"
  sed -i 's/192\.0\.2\./127.0.0./g' "$demo/config/probes/tay-trang/"*.conf
  sed -e "s#^database = .*#database = $demo/watchpost.db#" -e "s#^secrets = .*#secrets = $demo/config/secrets.conf#" -e '/^\[smtp\]/,$d' \
      -e "s#^log_level = .*#log_level = warning#" watchpost.conf > "$demo/config/watchpost.conf"
  cat contrib/demo/watchpost.demo.conf >> "$demo/config/watchpost.conf"
  printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 32)" > "$demo/config/secrets.conf"
  chmod 600 "$demo/config/secrets.conf"
  /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox "$demo/mail" &
  pids+=($!)
  . contrib/demo/start-simulators.sh
  config="$demo/config"
  # monit: the same targets, with monit's own tests where it has one.
  cat > "$work/monitrc" <<MONIT
set daemon 10
set logfile $work/monit.log
set pidfile $work/monit.pid
set idfile $work/monit.id
set statefile $work/monit.state
set httpd port 2812 and use address 127.0.0.1
  allow localhost
check program box-disk with path "$demo/config/contrib/plugins/check_disk_free / 15 5"
  every 30 cycles
  if status != 0 then alert
check file ups-port with path "$demo/ups-tty"
  if does not exist then alert
check host led-controller with address 127.0.0.20
  if failed ping count 3 then alert
  if failed port 5200 type tcp then alert
check directory content with path "$demo/media"
  every 30 cycles
  if changed timestamp then alert
check host uplink with address 127.0.0.1
  if failed ping count 5 then alert
check host player with address 127.0.0.21
  if failed port 8080 protocol http request "/" then alert
check host mail-server with address 127.0.0.25
  if failed port 587 type tcp then alert
check host department-server with address 127.0.0.80
  if failed port 443 type tcpssl protocol http request "/" then alert
MONIT
else
  /usr/bin/python3 -m http.server 18080 --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 &
  pids+=($!)
  config="$work/wp"
  mkdir -p "$config/probes/bench"
  cp -r alerts "$config/"
  cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$config/probes/bench/"
  # Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it, #19).
  sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$config/probes/bench/site.conf"
  printf '[daemon]\ndatabase = %s/wp.db\nsecrets = %s/none.conf\nlog_level = warning\n[smtp]\nhost = 127.0.0.1\ninsecure = true\nfrom = bench@example.org\n' "$work" "$work" > "$config/watchpost.conf"
  {
    printf '[check port]\nkind = tcp\nhost = 127.0.0.1\nport = 18080\ninterval = 10s\n\n'
    printf '[check web]\nkind = http\nurl = http://127.0.0.1:18080/\ninterval = 10s\n\n'
    printf '[check prog]\nkind = exec\ncommand = %s/check_ok\ninterval = 10s\n' "$work"
  } > "$config/probes/bench/checks.conf"
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
fi
chmod 600 "$work/monitrc"
"$bin/watchpost" check --config "$config"
monit -t -c "$work/monitrc"

measure() {  # pid -> "rss_kb cpu_seconds"
  local pid=$1
  local rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  local ticks=$(awk '{print $14 + $15}' /proc/$pid/stat)
  echo "$rss $(echo "scale=3; $ticks / $(getconf CLK_TCK)" | bc)"
}

"$bin/watchpost" run --config "$config" 2>"$work/wp.log" &
wp=$!; pids+=($wp)
monit -I -c "$work/monitrc" >/dev/null 2>&1 &
mo=$!; pids+=($mo)
sleep 10
read wp_rss0 wp_cpu0 < <(measure $wp); read mo_rss0 mo_cpu0 < <(measure $mo)
# From here the kernel marks the pages each process touches (memory.py's "used" column).
echo 1 > /proc/$wp/clear_refs; echo 1 > /proc/$mo/clear_refs
sleep "$secs"
read wp_rss wp_cpu < <(measure $wp); read mo_rss mo_cpu < <(measure $mo)
wp_peak=$(awk '/VmHWM/ {print $2}' /proc/$wp/status); mo_peak=$(awk '/VmHWM/ {print $2}' /proc/$mo/status)
rollup() { awk -v k="$2:" '$1 == k {print $2}' /proc/$1/smaps_rollup; }  # pid field -> kB
wp_pss=$(rollup $wp Pss); mo_pss=$(rollup $mo Pss); wp_pd=$(rollup $wp Private_Dirty); mo_pd=$(rollup $mo Private_Dirty)
echo; echo "==> where the memory goes (kB)"
/usr/bin/python3 bench/daemon/memory.py $wp $mo
results=$(grep -c . "$work/wp.log" || true)

size=$(stat -c %s "$bin/watchpost"); ssize=$(stat -c %s "$work/watchpost.stripped")
printf '\n%-34s %14s %14s %8s\n' "measure ($set_name checks, $secs s)" "watchpost" "monit" "ratio"
printf '%-34s %14s %14s %8s\n' "RSS (kB)" "$wp_rss" "$mo_rss" "$(echo "scale=2; $wp_rss / $mo_rss" | bc)"
printf '%-34s %14s %14s %8s\n' "PSS (kB)" "$wp_pss" "$mo_pss" "$(echo "scale=2; $wp_pss / $mo_pss" | bc)"
printf '%-34s %14s %14s %8s\n' "Private_Dirty (kB)" "$wp_pd" "$mo_pd" "$(echo "scale=2; $wp_pd / $mo_pd" | bc)"
printf '%-34s %14s %14s %8s\n' "peak RSS (kB)" "$wp_peak" "$mo_peak" "$(echo "scale=2; $wp_peak / $mo_peak" | bc)"
wp_c=$(echo "$wp_cpu - $wp_cpu0" | bc); mo_c=$(echo "$mo_cpu - $mo_cpu0" | bc)
printf '%-34s %14s %14s %8s\n' "CPU seconds" "$wp_c" "$mo_c" "$( [ "$(echo "$mo_c > 0" | bc)" = 1 ] && echo "scale=2; $wp_c / $mo_c" | bc || echo n/a)"
printf '%-34s %14s\n' "binary size (bytes)" "$size"
printf '%-34s %14s\n' "binary size stripped (bytes)" "$ssize"
printf '%-34s %14s\n' "release build (s)" "$(echo "$t1 - $t0" | bc)"
printf '%-34s %14s\n' "daemon log lines (warnings+)" "$results"
printf '%-34s %14s\n' "start-up pages returned" "$( [ -n "${WATCHPOST_KEEP_STARTUP_PAGES:-}" ] && echo "no (WATCHPOST_KEEP_STARTUP_PAGES)" || echo yes)"
# Whether the release link placed the daemon's steady-state functions together (Package.swift):
# the 64 kB windows the listed functions touch: ~3.3 MB when it did (1.5 MB of it the standard
# library's one unsplit section, bench/daemon/README.md session 9), ~5.5 MB without it.
echo "hot functions: $(/usr/bin/python3 bench/daemon/hot_functions.py --span "$bin/watchpost" bench/daemon/hot-functions.order)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
