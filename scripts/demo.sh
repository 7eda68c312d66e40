#!/usr/bin/env bash
# The one run command (README: `make demo`). Starts the Tây Trang profile against simulated
# hardware on loopback with a local SMTP server, so a newcomer sees checks go green, a fault
# injected with one command raise an incident, and the email arrive.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES $TEST_PACKAGES
echo "==> build"
swift build -c release 2>&1 | tail -n 3
bin="$(swift build -c release --show-bin-path)"
demo="$PWD/.demo"
rm -rf "$demo"; mkdir -p "$demo/config" "$demo/mail/new" "$demo/mail/cur" "$demo/mail/tmp"  # aiosmtpd's Maildir needs its subfolders
# The demo configuration: the shipped Tây Trang profile with its device addresses moved from the
# documentation range 192.0.2.0/24 to loopback, where the simulators listen.
cp -r alerts contrib "$demo/config/"
mkdir -p "$demo/config/probes"
cp -r probes/tay-trang "$demo/config/probes/"
sed -i 's/192\.0\.2\./127.0.0./g' "$demo/config/probes/tay-trang/"*.conf
sed -e "s#^database = .*#database = $demo/watchpost.db#" -e "s#^secrets = .*#secrets = $demo/config/secrets.conf#" -e '/^\[smtp\]/,$d' watchpost.conf > "$demo/config/watchpost.conf"
if [ -f contrib/demo/watchpost.demo.conf ]; then cat contrib/demo/watchpost.demo.conf >> "$demo/config/watchpost.conf"; fi
printf '[web]\nlink_key = %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$demo/config/secrets.conf"
chmod 600 "$demo/config/secrets.conf"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "==> local SMTP server on 127.0.0.1:8025 (messages saved under $demo/mail)"
/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Mailbox "$demo/mail" &
pids+=($!)
# Simulators each capability adds (LED controller, UPS, …) start here.
if [ -x contrib/demo/start-simulators.sh ]; then
    . contrib/demo/start-simulators.sh
fi

"$bin/watchpost" check --config "$demo/config"
# The demo's folder is fresh each run, so its web account is made each run (a demo-only password).
printf 'xem-bao-cao-2026\n' | "$bin/watchpost" user add demo --role department --name "Sở TT&TT (demo)" --config "$demo/config" >/dev/null
echo "==> web: http://127.0.0.1:8088  login: demo  password: xem-bao-cao-2026"
echo "==> watchpost run (Ctrl-C to stop). In another terminal:"
echo "      $bin/watchpost status --config $demo/config"
echo "      ls $demo/mail/new    # the emails"
[ -f contrib/demo/FAULTS.txt ] && cat contrib/demo/FAULTS.txt
# The daemon, restarted when it is killed with SIGKILL (as systemd's Restart=on-failure does on a
# box), so `kill -9 $(cat .demo/watchpost.pid)` shows the broadcast log continuing the open play
# without losing or doubling one. Any other end (Ctrl-C, an error) ends the demo.
while :; do
    "$bin/watchpost" run --config "$demo/config" &
    pids+=($!)
    echo "$!" > "$demo/watchpost.pid"
    status=0
    wait "${pids[-1]}" || status=$?
    [ "$status" -eq 137 ] || exit "$status"
    echo "==> watchpost run was killed (SIGKILL); starting it again"
done
