#!/usr/bin/env bash
# Boots contrib/watchpost.service for real: a systemd container (Debian's systemd-container,
# `systemd-nspawn --directory=/ --volatile=yes --boot`) with the built binary, a test
# configuration and the unit bound in, and a driver unit inside that checks READY, a reload that
# changes [smtp] port, a watchdog restart of a hung (SIGSTOPped) daemon, a start from the last
# good configuration while the one on disk is broken, and a clean stop. Results come out through
# a bound folder; this script prints them and exits non-zero on any failed step.
# Usage: boot-unit.sh BINARY   (run as root)
set -euo pipefail
bin=$(readlink -f "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-nspawn >/dev/null || { echo "FAIL: systemd-nspawn missing: install the Debian package systemd-container"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL: systemd-nspawn needs root"; exit 1; }
work=$(mktemp -d /tmp/watchpost-unit-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/etc/probes/site" "$work/results" "$work/wants" "$work/dropin"
cp -r "$src/alerts" "$work/etc/"
cp "$src/probes/tay-trang/site.conf" "$src/probes/tay-trang/schedule.conf" "$work/etc/probes/site/"
cat > "$work/etc/watchpost.conf" <<CONF
[daemon]
database = /var/lib/watchpost/watchpost.db
secrets = /etc/watchpost/secrets.conf
heartbeat_interval = 5s

[smtp]
host = 127.0.0.1
port = 2525
from = watchpost@example.invalid
CONF
printf '[web]\nlink_key = %s\n' "$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/etc/secrets.conf"
chmod 600 "$work/etc/secrets.conf"
printf '#!/bin/sh\necho "OK - fine"\n' > "$work/etc/ok.sh"
chmod 755 "$work/etc/ok.sh"
printf '[check ok]\nkind = exec\ncommand = ./ok.sh\ninterval = 2s\ntimeout = 1s\n' > "$work/etc/probes/site/checks.conf"
"$bin" check --config "$work/etc" >/dev/null || { echo "FAIL: the test configuration does not validate:"; "$bin" check --config "$work/etc"; exit 1; }

cp "$src/contrib/watchpost.service" "$work/watchpost.service"
# Short watchdog and restart delay so the hung-daemon step takes seconds, not minutes. The
# container's /usr is the host's, read-only: the binary is bound under /opt instead of
# /usr/local/bin, so ExecStart is pointed there (the unit's only line changed).
printf '[Service]\nWatchdogSec=4s\nRestartSec=1s\nExecStart=\nExecStart=/opt/watchpost/bin/watchpost run --config /etc/watchpost\n' > "$work/dropin/test.conf"
cat > "$work/driver.service" <<'UNIT'
[Unit]
Description=Watchpost unit test driver
After=watchpost.service
[Service]
Type=oneshot
ExecStart=/bin/bash /results/driver.sh
StandardOutput=append:/results/driver.log
StandardError=append:/results/driver.log
UNIT
ln -s /etc/systemd/system/watchpost.service "$work/wants/watchpost.service"
ln -s /etc/systemd/system/watchpost-driver.service "$work/wants/watchpost-driver.service"

cat > "$work/results/driver.sh" <<'DRIVER'
#!/bin/bash
R=/results
step() { echo "$1 $2" >> $R/steps; }
# wait_for NAME SECONDS COMMAND: polls a condition with a loud deadline.
wait_for() {
    local name=$1 limit=$2; shift 2
    local end=$(( $(date +%s) + limit ))
    while [ "$(date +%s)" -le "$end" ]; do
        if eval "$*"; then step ok "$name"; return 0; fi
        sleep 0.2
    done
    step FAIL "$name (after ${limit}s: $*)"
    return 1
}
prop() { systemctl show -p "$1" --value watchpost; }
finish() { journalctl -u watchpost --no-pager -o short-precise > $R/journal.txt 2>&1; systemctl status watchpost --no-pager > $R/status.txt 2>&1; echo done > $R/done; systemctl poweroff; exit 0; }

# 1. READY: Type=notify turns active only after READY=1.
wait_for "ready (active after READY=1)" 60 '[ "$(prop ActiveState)" = active ]' || finish
wait_for "started line in the journal" 20 'journalctl -u watchpost | grep -q "watchpost started"' || finish
wait_for "database in the state directory" 20 '[ -f /var/lib/watchpost/watchpost.db ]'
wait_for "last good configuration kept" 20 '[ -f /var/lib/watchpost/last-good/watchpost.conf ]'
wait_for "configuration directory read-only for the daemon" 5 'journalctl -u watchpost | grep -q "watchpost started"'
pid1=$(prop MainPID)

# 2. Reload that changes the SMTP port: the outbox is rebuilt with it.
sed -i 's/^port = 2525/port = 2626/' /etc/watchpost/watchpost.conf
systemctl reload watchpost
wait_for "reload applied" 30 'journalctl -u watchpost | grep -q "configuration reloaded"'
wait_for "outbox rebuilt with the new port" 10 'journalctl -u watchpost | grep "service started" | grep -q "smtp=\"\{0,1\}127.0.0.1:2626"'
[ "$(prop MainPID)" = "$pid1" ] && step ok "same process after reload" || step FAIL "reload restarted the process"

# 3. A hung daemon (SIGSTOP): the watchdog is not fed, systemd kills and restarts it.
kill -STOP "$pid1"
wait_for "watchdog restart of the hung daemon" 60 'p=$(prop MainPID); [ "$p" != "$pid1" ] && [ "$p" != 0 ] && [ "$(prop ActiveState)" = active ]'
journalctl -u watchpost | grep -qi "watchdog timeout" && step ok "systemd logged the watchdog timeout" || step FAIL "no watchdog timeout in the journal"

# 4. A broken configuration on disk: the next start runs from the last good one, loudly.
cp /etc/watchpost/watchpost.conf /tmp/good.conf
echo "[nonsense" >> /etc/watchpost/watchpost.conf
systemctl restart watchpost
wait_for "started from the last good configuration" 60 '[ "$(prop ActiveState)" = active ] && journalctl -u watchpost | grep -q "STARTING FROM THE LAST GOOD CONFIGURATION"'
cp /tmp/good.conf /etc/watchpost/watchpost.conf

# 5. Clean stop within the unit's deadline: exit status 0, "watchpost stopped".
t0=$(date +%s%N)
systemctl stop watchpost
t1=$(date +%s%N)
echo "stop took $(( (t1 - t0) / 1000000 )) ms" >> $R/steps
[ "$(prop Result)" = success ] && step ok "stop result success" || step FAIL "stop result $(prop Result)"
[ "$(prop ExecMainStatus)" = 0 ] && step ok "exit status 0" || step FAIL "exit status $(prop ExecMainStatus)"
wait_for "stopped line in the journal" 10 'journalctl -u watchpost | grep -q "watchpost stopped"'
finish
DRIVER

# The Swift runtime's folder, when the binary links it dynamically (a static one needs nothing).
swiftlib=$(ldd "$bin" | awk '/libswiftCore.so/ {print $3}')
swiftbind=()
[ -z "$swiftlib" ] || swiftbind=(--bind-ro="$(dirname "$swiftlib")")
set +e
timeout --kill-after=10 180 systemd-nspawn --quiet --directory=/ --volatile=yes --boot --register=no --keep-unit \
    --machine="watchpost-unit-$$" \
    --bind-ro="$bin:/opt/watchpost/bin/watchpost" \
    "${swiftbind[@]}" \
    --bind="$work/etc:/etc/watchpost" \
    --bind-ro="$work/watchpost.service:/etc/systemd/system/watchpost.service" \
    --bind-ro="$work/dropin:/etc/systemd/system/watchpost.service.d" \
    --bind-ro="$work/driver.service:/etc/systemd/system/watchpost-driver.service" \
    --bind-ro="$work/wants:/etc/systemd/system/multi-user.target.wants" \
    --bind="$work/results:/results" \
    --bind-ro=/dev/null:/etc/systemd/system/systemd-firstboot.service \
    > "$work/console.log" 2>&1 < /dev/null
rc=$?
set -e
echo "== steps"
cat "$work/results/steps" 2>/dev/null || echo "(none)"
if [ ! -f "$work/results/done" ] || grep -q '^FAIL' "$work/results/steps" 2>/dev/null; then
    echo "== driver"; tail -20 "$work/results/driver.log" 2>/dev/null || true
    echo "== journal"; tail -60 "$work/results/journal.txt" 2>/dev/null || true
    echo "== console (nspawn exit $rc)"; tail -30 "$work/console.log" || true
    echo "FAIL: the unit did not pass every step"
    exit 1
fi
echo "== journal (last lines)"; grep -E "started|reloaded|STARTING FROM|stopped|watchdog" "$work/results/journal.txt" | tail -12 || true
echo "PASS"
