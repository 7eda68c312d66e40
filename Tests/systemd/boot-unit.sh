#!/usr/bin/env bash
# Boots contrib/watchpost.service for real: a systemd container (Debian's systemd-container,
# `systemd-nspawn --directory=/ --volatile=yes --boot`) with the built binary, a test
# configuration and the unit bound in, and a driver unit inside that checks READY, a reload that
# changes [smtp] port (the next mail reaches a real SMTP server, Debian's aiosmtpd, on the new
# port and none the old one), a watchdog restart of a hung (SIGSTOPped) daemon, a start from the
# last good configuration while the one on disk is broken, a stop while the outbox's message is in
# flight to a server that never answers (within the unit's deadline, the message left queued),
# then a start that delivers it exactly once, and a clean stop. Results come out through a bound
# folder; this script prints them and exits non-zero on any failed step.
# The container has a network of its own (--private-network: only its loopback), so nothing on
# the host (another clone's test, a developer's SMTP server) can hold its ports or receive its
# mail; the SMTP ports are still chosen by the kernel (free_port binds port 0), never fixed.
# Usage: boot-unit.sh BINARY   (run as root)
set -euo pipefail
bin=$(readlink -f "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/scripts/lib.sh"
command -v systemd-nspawn >/dev/null || { echo "FAIL: systemd-nspawn missing: install the Debian package systemd-container"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL: systemd-nspawn needs root"; exit 1; }
command -v nsenter >/dev/null || { echo "FAIL: nsenter missing: install the Debian package util-linux"; exit 1; }
# Debian's python3, found through dpkg on the host: the container's /var is empty (--volatile),
# and its /usr is the host's, so the same path works inside.
py=$(debian_python) || exit 1
"$py" -c 'import aiosmtpd' 2>/dev/null || { echo "FAIL: $py cannot import aiosmtpd: install the Debian package python3-aiosmtpd"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 missing: install the Debian package sqlite3"; exit 1; }
work=$(mktemp -d /tmp/watchpost-unit-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
mkdir -p "$work/etc/probes/site" "$work/results" "$work/wants" "$work/dropin"
# Two distinct SMTP ports from the kernel: the first one, then the one after the reload.
{ read -r port_old; read -r port_new; } < <(free_ports 2)
[ -n "$port_new" ] && [ "$port_old" != "$port_new" ] || { echo "FAIL: no two free ports from the kernel (got '$port_old' and '$port_new')"; exit 1; }
printf 'PY=%s\nPORT_OLD=%s\nPORT_NEW=%s\n' "$py" "$port_old" "$port_new" > "$work/results/env"
cp -r "$src/alerts" "$work/etc/"
cp "$src/probes/tay-trang/site.conf" "$src/probes/tay-trang/schedule.conf" "$work/etc/probes/site/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$work/etc/probes/site/site.conf"
cat > "$work/etc/watchpost.conf" <<CONF
[daemon]
database = /var/lib/watchpost/watchpost.db
secrets = /etc/watchpost/secrets.conf
heartbeat_interval = 5s

[smtp]
host = 127.0.0.1
port = $port_old
insecure = true
from = watchpost@example.invalid

[mail]
group_window = 2s
retry_initial = 1s
retry_max = 2s
CONF
printf '[web]\nlink_key = %s\n' "$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/etc/secrets.conf"
chmod 600 "$work/etc/secrets.conf"
printf '#!/bin/sh\necho "OK - fine"\n' > "$work/etc/ok.sh"
chmod 755 "$work/etc/ok.sh"
# A security check (the Department is mailed at once, 32/2018 Art. 7.2.3) the driver breaks by
# creating /etc/watchpost/seal-broken.
printf '#!/bin/sh\nif [ -e "$1" ]; then echo "CRITICAL - niem phong bi pha"; exit 2; fi\necho "OK"\n' > "$work/etc/flip.sh"
chmod 755 "$work/etc/flip.sh"
# Timeouts as long as the intervals: a shell script that has not answered in 900 ms on a loaded
# machine would be UNKNOWN, open an incident of its own and mail it (the review of session 6 saw
# the risk); the seal still flips within 3 s of the file appearing, which the waits allow for.
printf '[check ok]\nkind = exec\ncommand = ./ok.sh\ninterval = 10s\ntimeout = 10s\n\n' > "$work/etc/probes/site/checks.conf"
printf '[check seal]\nkind = exec\nname = Niêm phong tủ điều khiển\ncommand = ./flip.sh\narguments = /etc/watchpost/seal-broken\ncategory = security\ninterval = 3s\ntimeout = 3s\nfail_after = 1\n' >> "$work/etc/probes/site/checks.conf"
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
. $R/env   # PY, PORT_OLD, PORT_NEW (chosen by the kernel on the host)
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
DB=/var/lib/watchpost/watchpost.db
unsent() { sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state <> 'sent'" 2>/dev/null || echo error; }
# sink NAME PORT [MODE]: Debian's aiosmtpd (scripts/mail-sink.py) saving to /results/mail-NAME.
sink() {
    mkdir -p "$R/mail-$1"
    "$PY" /opt/watchpost/mail-sink.py --listen "127.0.0.1:$2" --dir "$R/mail-$1" ${3:+--mode $3} > "$R/sink-$1.log" 2>&1 < /dev/null &
    echo $! > "$R/sink-$1.pid"
    wait_for "SMTP server $1 listening on $2" 60 "grep -q ready $R/sink-$1.log"
}
mails() { ls "$R/mail-$1"/*.eml 2>/dev/null | wc -l; }
sink old $PORT_OLD
sink new $PORT_NEW
finish() { journalctl -u watchpost --no-pager -o short-precise > $R/journal.txt 2>&1; systemctl status watchpost --no-pager > $R/status.txt 2>&1; echo done > $R/done; systemctl poweroff; exit 0; }

# 1. READY: Type=notify turns active only after READY=1.
wait_for "ready (active after READY=1)" 60 '[ "$(prop ActiveState)" = active ]' || finish
wait_for "started line in the journal" 60 'journalctl -u watchpost | grep -q "watchpost started"' || finish
wait_for "database in the state directory" 60 '[ -f /var/lib/watchpost/watchpost.db ]'
wait_for "last good configuration kept" 60 '[ -f /var/lib/watchpost/last-good/watchpost.conf ]'
pid1=$(prop MainPID)
# ProtectSystem=strict: in the daemon's own mount namespace a write to /etc/watchpost is refused
# (read-only file system) while one to its state directory succeeds; the driver, outside it,
# can write both (it edits the configuration below).
ro_out=$(nsenter --target "$pid1" --mount -- touch /etc/watchpost/.write-test 2>&1) && rm -f /etc/watchpost/.write-test
case "$ro_out" in
    *"Read-only file system"*) step ok "configuration directory read-only for the daemon" ;;
    *) step FAIL "configuration directory read-only for the daemon (a write in the daemon's mount namespace gave: ${ro_out:-success})" ;;
esac
if nsenter --target "$pid1" --mount -- touch /var/lib/watchpost/.write-test 2>/dev/null; then
    rm -f /var/lib/watchpost/.write-test; step ok "state directory writable for the daemon"
else
    step FAIL "state directory not writable in the daemon's mount namespace"
fi

# 2. Reload that changes the SMTP port: the outbox is rebuilt with it.
sed -i "s/^port = $PORT_OLD\$/port = $PORT_NEW/" /etc/watchpost/watchpost.conf
systemctl reload watchpost
wait_for "reload applied" 60 'journalctl -u watchpost | grep -q "configuration reloaded"'
wait_for "outbox rebuilt with the new port" 60 'journalctl -u watchpost | grep "service started" | grep -q "smtp=\"\{0,1\}127.0.0.1:$PORT_NEW"'
[ "$(prop MainPID)" = "$pid1" ] && step ok "same process after reload" || step FAIL "reload restarted the process"
touch /etc/watchpost/seal-broken
wait_for "the next mail reached the new port" 60 '[ "$(mails new)" -ge 1 ]'
[ "$(mails old)" = 0 ] && step ok "no mail on the old port" || step FAIL "$(mails old) mail(s) went to the old port after the reload"

# 3. A hung daemon (SIGSTOP): the watchdog is not fed, systemd kills and restarts it.
# Stopped only once every notice is committed as sent: a SIGSTOP between the server's "250" and
# the outbox's commit leaves the message unsent, and the restarted daemon rightly offers it
# again (delivery after a kill is at least once). That window is not what this step tests, and
# it made the exactly-once count of step 6 fail one run in many.
wait_for "outbox settled before the hang" 60 '[ "$(unsent)" = 0 ]'
kill -STOP "$pid1"
wait_for "watchdog restart of the hung daemon" 60 'p=$(prop MainPID); [ "$p" != "$pid1" ] && [ "$p" != 0 ] && [ "$(prop ActiveState)" = active ]'
journalctl -u watchpost | grep -qi "watchdog timeout" && step ok "systemd logged the watchdog timeout" || step FAIL "no watchdog timeout in the journal"

# 4. A broken configuration on disk: the next start runs from the last good one, loudly.
cp /etc/watchpost/watchpost.conf /tmp/good.conf
echo "[nonsense" >> /etc/watchpost/watchpost.conf
systemctl restart watchpost
wait_for "started from the last good configuration" 60 '[ "$(prop ActiveState)" = active ] && journalctl -u watchpost | grep -q "STARTING FROM THE LAST GOOD CONFIGURATION"'
cp /tmp/good.conf /etc/watchpost/watchpost.conf

# 5. Stop while a message is in flight: the SMTP server accepts the connection and never says a
# word. The stop ends within the unit's deadline and the message stays queued.
wait_for "outbox settled before the in-flight step" 60 '[ "$(unsent)" = 0 ]'
kill "$(cat $R/sink-new.pid)"
wait_for "SMTP server new stopped" 60 '! kill -0 $(cat $R/sink-new.pid) 2>/dev/null'
sink silent $PORT_NEW hang
rm -f /etc/watchpost/seal-broken
# The incident resolves: its notice goes out to the server that never answers.
wait_for "the daemon connected to the silent SMTP server" 60 'grep -q "accepted a connection" $R/sink-silent.log'
queued=$(unsent)
echo "messages not yet sent when the stop began: $queued" >> $R/steps
t0=$(date +%s%N)
systemctl stop watchpost
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
# Measured, not asserted with a stopwatch: past TimeoutStopSec systemd kills the daemon and the
# unit's Result is "timeout", which the next line fails on.
echo "stop took $ms ms" >> $R/steps
[ "$(prop Result)" = success ] && step ok "stop result success, within the unit's TimeoutStopSec (took $ms ms)" || step FAIL "stop result $(prop Result) (took $ms ms)"
[ "$(prop ExecMainStatus)" = 0 ] && step ok "exit status 0" || step FAIL "exit status $(prop ExecMainStatus)"
wait_for "stopped line in the journal" 60 'journalctl -u watchpost | grep -q "watchpost stopped"'
left=$(unsent)
[ "$left" != error ] && [ "$left" -ge 1 ] && step ok "the message in flight left queued ($left unsent)" || step FAIL "nothing left queued after a stop with a message in flight ($left)"

# 6. The next start delivers it, exactly once.
kill "$(cat $R/sink-silent.pid)"
wait_for "silent SMTP server stopped" 60 '! kill -0 $(cat $R/sink-silent.pid) 2>/dev/null'
sink after $PORT_NEW
systemctl start watchpost
wait_for "queued message delivered after the restart" 60 '[ "$(unsent)" = 0 ] && [ "$(mails after)" -ge 1 ]'
# Each Message-ID with the files that carry it, when more than one does.
twice=$(for f in $R/mail-new/*.eml $R/mail-after/*.eml; do
            [ -f "$f" ] && echo "$(grep -i -m1 '^Message-ID:' "$f" | cut -d: -f2- | tr -d ' \r') ${f#$R/}"
        done | awk '{n[$1]++; f[$1] = f[$1] " " $2} END {for (i in n) if (n[i] > 1) print i ":" f[i]}')
[ -z "$twice" ] && step ok "delivered once ($(mails after) message(s) after the restart, no Message-ID twice)" || step FAIL "Message-ID(s) delivered twice (id: files): $twice"
systemctl stop watchpost
[ "$(prop Result)" = success ] && step ok "final stop result success" || step FAIL "final stop result $(prop Result)"
finish
DRIVER

# The Swift runtime's folder, when the binary links it dynamically (a static one needs nothing).
swiftlib=$(ldd "$bin" | awk '/libswiftCore.so/ {print $3}')
swiftbind=()
[ -z "$swiftlib" ] || swiftbind=(--bind-ro="$(dirname "$swiftlib")")
set +e
# A hang guard, not a speed check: at load 15 the whole boot-to-poweroff took 150 s (34 s quiet).
# systemd-networkd-wait-online is masked: the private network has only loopback, so it waited for
# a link that never comes, and the unit (After=network-online.target) started a minute late.
timeout --kill-after=10 600 systemd-nspawn --quiet --directory=/ --volatile=yes --boot --register=no --keep-unit --private-network \
    --machine="watchpost-unit-$$" \
    --bind-ro="$bin:/opt/watchpost/bin/watchpost" \
    --bind-ro="$src/scripts/mail-sink.py:/opt/watchpost/mail-sink.py" \
    "${swiftbind[@]}" \
    --bind="$work/etc:/etc/watchpost" \
    --bind-ro="$work/watchpost.service:/etc/systemd/system/watchpost.service" \
    --bind-ro="$work/dropin:/etc/systemd/system/watchpost.service.d" \
    --bind-ro="$work/driver.service:/etc/systemd/system/watchpost-driver.service" \
    --bind-ro="$work/wants:/etc/systemd/system/multi-user.target.wants" \
    --bind="$work/results:/results" \
    --bind-ro=/dev/null:/etc/systemd/system/systemd-firstboot.service \
    --bind-ro=/dev/null:/etc/systemd/system/systemd-networkd-wait-online.service \
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
