#!/usr/bin/env bash
# End to end, acknowledgement by link in a real browser: a real `watchpost run` (engine, outbox
# worker, web server) with one failing check, Debian's aiosmtpd receiving the notification, and
# chromium + Selenium opening the link from that email, confirming, signing in and finding the
# incident acknowledged on the status board (screenshots saved).
#   scripts/e2e/web-browser.sh BIN_DIR SCREENSHOT.png
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$1/watchpost"
shot="$2"
work=$(mktemp -d /tmp/watchpost-e2e-web-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp=$(free_port); web=$(free_port)

mkdir -p "$work/conf/probes/tay-trang" "$work/mail"
cp -r "$root/alerts" "$work/conf/"
cp "$root/probes/tay-trang/site.conf" "$root/probes/tay-trang/schedule.conf" "$work/conf/probes/tay-trang/"
printf '#!/bin/sh\necho "CRITICAL - màn hình tối / screen dark | brightness=0"\nexit 2\n' > "$work/check_dark"; chmod +x "$work/check_dark"
cat > "$work/conf/probes/tay-trang/checks.conf" <<CONF
[check screen]
kind = exec
name = Màn hình LED / LED screen
command = $work/check_dark
interval = 2s
timeout = 1s
fail_after = 1
CONF
printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 32)" > "$work/secrets.conf"; chmod 600 "$work/secrets.conf"
cat > "$work/conf/watchpost.conf" <<CONF
[daemon]
database = $work/watchpost.db
secrets = $work/secrets.conf
jitter = 0
[smtp]
host = 127.0.0.1
port = $smtp
insecure = true
from = watchpost@taytrang.example.org
[mail]
group_window = 0s
retry_initial = 1s
retry_max = 2s
[web]
listen = 127.0.0.1:$web
base_url = http://127.0.0.1:$web
CONF
"$bin" check --config "$work/conf"
printf 'xem-bao-cao-2026\n' | "$bin" user add so-tttt --role department --name "Sở TT&TT Điện Biên" --config "$work/conf"

/usr/bin/python3 "$root/scripts/mail-sink.py" --listen "127.0.0.1:$smtp" --dir "$work/mail" > "$work/sink.log" 2>&1 < /dev/null &
pids+=($!)
"$bin" run --config "$work/conf" > "$work/daemon.log" 2>&1 < /dev/null &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$web/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# The browser's output goes to a file: chromium's helper processes may keep inherited
# descriptors open after the driver quits, which would hold a caller's pipe open.
rc=0
timeout 150 /usr/bin/python3 "$root/scripts/e2e/web_browser.py" --base "http://127.0.0.1:$web" --maildir "$work/mail" \
    --login so-tttt --password xem-bao-cao-2026 --screenshot "$shot" --timeout 60 > "$work/browser.log" 2>&1 < /dev/null || rc=$?
grep -v "^$" "$work/browser.log" | grep -iv "dbus" || true
if [ "$rc" -ne 0 ]; then
  echo "--- daemon log"; tail -n 40 "$work/daemon.log"; echo "--- sink log"; tail -n 20 "$work/sink.log"
  exit 1
fi
# What the engine recorded: who (the recipient the link was made for), how, from where.
"$bin" incidents 1 --config "$work/conf"
