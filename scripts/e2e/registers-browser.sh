#!/usr/bin/env bash
# End to end, the registers in a real browser (issue #18, "What I will check"): a real
# `watchpost run` with the Tây Trang profile's registers and one failing check (so an incident
# exists to link a repair to), and chromium + Selenium signing in as each role — the operating
# unit plans a Saturday of 8 hours and sees the status board follow, records a surprise
# inspection with a finding, starts a maintenance window from it and closes it, records a
# complaint about content and forwards it, logs a repair linked to the incident, lends the
# sound equipment and gets it back; the Department answers the complaint; the Committee reads
# and may not write; forms are fed script, over-long text and invalid dates. Screenshots go beside SCREENSHOT.
# A missing tool fails the run naming its Debian package; every wait has a deadline.
#   scripts/e2e/registers-browser.sh BIN_DIR SCREENSHOT.png
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/lib.sh"
. "$root/scripts/e2e/dark-screen-daemon.sh"
bin="$1/watchpost"
shot="$2"
[ -x "$bin" ] || { echo "FAIL: no built watchpost at $bin (swift build first)"; exit 1; }
browser_e2e_setup registers

write_dark_screen_config "$work" "$smtp" "$web"
cp -r "$root/alerts" "$work/conf/"
for f in site.conf registers.conf inspection.conf; do cp "$root/probes/tay-trang/$f" "$work/conf/probes/tay-trang/"; done
# The site is available while its one check (the screen) is up; no UPS check here.
sed -i -e 's/^checks = .*/checks = screen/' -e '/^power_check = /d' "$work/conf/probes/tay-trang/site.conf"
# Operating hours around the clock, so the dark screen is an incident whatever the time of day
# (a repair is linked to it); the plan then sets the coming Saturday to 8 hours.
printf '[weekly]\nmonday = 00:00-24:00\ntuesday = 00:00-24:00\nwednesday = 00:00-24:00\nthursday = 00:00-24:00\nfriday = 00:00-24:00\nsaturday = 00:00-24:00\nsunday = 00:00-24:00\n' > "$work/conf/probes/tay-trang/schedule.conf"
"$bin" check --config "$work/conf"
printf 'don-bien-phong-2026\n' | "$bin" user add don-bp --role operator --name "Đồn Biên phòng Tây Trang" --config "$work/conf"
printf 'tra-loi-phan-anh-2026\n' | "$bin" user add so-tttt --role department --name "Sở TT&TT Điện Biên" --config "$work/conf"
printf 'uy-ban-tinh-doc-2026\n' | "$bin" user add ubnd --role committee --name "UBND tỉnh" --config "$work/conf"

start_dark_screen_daemon "$bin" "$py" "$root" "$work" "$smtp" "$web"

rc=0
timeout 420 "$py" "$root/scripts/e2e/registers_browser.py" --base "http://127.0.0.1:$web" --maildir "$work/mail" \
    --screenshot "$shot" --timeout 60 > "$work/browser.log" 2>&1 < /dev/null || rc=$?
grep -v "^$" "$work/browser.log" | grep -iv "dbus" || true
if [ "$rc" -ne 0 ]; then
  echo "--- daemon log"; tail -n 40 "$work/daemon.log"; echo "--- sink log"; tail -n 20 "$work/sink.log"
  exit 1
fi
# The same registers from the command line and the API, and the hash chain intact.
"$bin" inspection list --config "$work/conf"
"$bin" feedback list --config "$work/conf"
"$bin" equipment loans --config "$work/conf"
"$bin" db check --config "$work/conf"
