#!/usr/bin/env bash
# End to end, acknowledgement by link in a real browser: a real `watchpost run` (engine, outbox
# worker, web server) with one failing check, Debian's aiosmtpd receiving the notification, and
# chromium + Selenium opening the link from that email, confirming, signing in and finding the
# incident acknowledged on the status board (screenshots saved), then every page at 390 px and
# 1280 px (.build/screenshots/), failing on a page wider than the window.
# A missing tool fails the run naming its Debian package; every wait has a deadline.
#   scripts/e2e/web-browser.sh BIN_DIR SCREENSHOT.png
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/lib.sh"
. "$root/scripts/e2e/dark-screen-daemon.sh"
bin="$1/watchpost"
shot="$2"
[ -x "$bin" ] || { echo "FAIL: no built watchpost at $bin (swift build first)"; exit 1; }
browser_e2e_setup web

write_dark_screen_config "$work" "$smtp" "$web"
cp -r "$root/alerts" "$work/conf/"
cp "$root/probes/tay-trang/site.conf" "$work/conf/probes/tay-trang/"
# This site has the one screen check: the reports count it (the shipped list names checks it lacks,
# and the report pages showed the configuration error instead of the figures).
sed -i 's/^checks = led-controller, content, playing-now, ups, uplink$/checks = screen/; /^power_check = /d' "$work/conf/probes/tay-trang/site.conf"
# Operating hours around the clock: the run must not depend on the time of day (outside hours a
# technical incident reaches the technicians only until the next window).
printf '[weekly]\nmonday = 00:00-24:00\ntuesday = 00:00-24:00\nwednesday = 00:00-24:00\nthursday = 00:00-24:00\nfriday = 00:00-24:00\nsaturday = 00:00-24:00\nsunday = 00:00-24:00\n' > "$work/conf/probes/tay-trang/schedule.conf"
"$bin" check --config "$work/conf"
printf 'xem-bao-cao-2026\n' | "$bin" user add so-tttt --role department --name "Sở TT&TT Điện Biên" --config "$work/conf"

start_dark_screen_daemon "$bin" "$py" "$root" "$work" "$smtp" "$web"

# The browser's output goes to a file: chromium's helper processes may keep inherited
# descriptors open after the driver quits, which would hold a caller's pipe open.
rc=0
timeout 420 "$py" "$root/scripts/e2e/web_browser.py" --base "http://127.0.0.1:$web" --maildir "$work/mail" \
    --login so-tttt --password xem-bao-cao-2026 --screenshot "$shot" --timeout 60 > "$work/browser.log" 2>&1 < /dev/null || rc=$?
grep -v "^$" "$work/browser.log" | grep -iv "dbus" || true
if [ "$rc" -ne 0 ]; then
  echo "--- daemon log"; tail -n 40 "$work/daemon.log"; echo "--- sink log"; tail -n 20 "$work/sink.log"
  exit 1
fi
# What the engine recorded: who (the recipient the link was made for), how, from where.
"$bin" incidents 1 --config "$work/conf"
