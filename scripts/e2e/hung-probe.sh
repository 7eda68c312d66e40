#!/bin/bash
# A probe that hangs in a blocking call, with the real binary (issue #21, "What I will check"):
# a `content` check whose media folder is a share that stops answering (a FUSE file system,
# Debian's python3-fusepy, whose lstat never returns until released — a hung NFS or SMB mount
# behaves the same). The call blocks a thread of the blocking pool in the kernel. Checked:
#  - the check goes UNKNOWN "the previous run has not returned for N s" (probe.skipped) and the
#    probe is not started again: one pool thread stuck after many intervals, not one per interval
#    (/metrics: watchpost_blocking_pool_stuck_threads 1; the daemon's thread count does not grow);
#  - the other checks keep their 1 s rhythm (their last result is recent);
#  - when the share answers again the thread comes back and the stuck gauge clears.
# Usage: hung-probe.sh BIN_DIR [HOLD_SECONDS]   (run as root: mounting FUSE). Prints "OK" on success.
set -euo pipefail
hold="${2:-8}"
# BIN_DIR may be relative (".build/debug"): made absolute here, before anything changes folder.
bin="$(cd "${1:?usage: hung-probe.sh BIN_DIR [HOLD_SECONDS]}" && pwd)" || { echo "FAIL: no folder $1"; exit 1; }
[ -x "$bin/watchpost" ] || { echo "FAIL: $bin/watchpost is missing: build first (swift build)"; exit 1; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/scripts/lib.sh"
py=$(debian_python)
"$py" -c 'import fusepy' 2>/dev/null || { echo "FAIL: fusepy missing: install the Debian package python3-fusepy"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 missing: install the Debian package sqlite3"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl missing: install the Debian package curl"; exit 1; }
[ -c /dev/fuse ] || { echo "FAIL: /dev/fuse missing (the kernel's fuse module)"; exit 1; }
work="$(mktemp -d /tmp/watchpost-hung-XXXXXX)"
pids=()
cleanup() {
    touch "$work/release"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    umount -l "$work/share" 2>/dev/null || true
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- daemon log"; tail -n 30 "$work/daemon.log" 2>/dev/null || true; exit 1; }
# await WHAT SECONDS CONDITION: lib.sh's wait_for on a shell condition; a missed deadline fails
# with the daemon's log.
await() { wait_for "$1" "$2" eval "$3" || fail "$1 (not within $2 s)"; }

# The share: every lookup and listing below its root blocks until $work/release exists.
mkdir -p "$work/share" "$work/conf/probes/tay-trang"
cat > "$work/share.py" <<'PY'
import errno, os, stat, sys, time
from fusepy import FUSE, Operations, FuseOSError
mount, release = sys.argv[1], sys.argv[2]
def held_until_released(deadline=600):
    """Hangs the caller (the daemon's lstat) until the test creates the release file; after
    the deadline the call fails (EIO) so that a test that died cannot leave the share hung."""
    end = time.time() + deadline
    while not os.path.exists(release):
        if time.time() >= end: raise FuseOSError(errno.EIO)
        time.sleep(0.05)
class Hung(Operations):
    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        held_until_released()
        raise FuseOSError(errno.ENOENT)
    def readdir(self, path, fh):
        held_until_released()
        return [".", ".."]
print("mounting", flush=True)
FUSE(Hung(), mount, foreground=True)
PY
"$py" "$work/share.py" "$work/share" "$work/release" > "$work/share.log" 2>&1 < /dev/null &
pids+=($!)
await "the hung share mounted" 60 'grep -q " $work/share fuse" /proc/mounts'

port=$(free_port)
cp -r "$root/alerts" "$work/conf/"
cp "$root/probes/tay-trang/site.conf" "$root/probes/tay-trang/schedule.conf" "$work/conf/probes/tay-trang/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$work/conf/probes/tay-trang/site.conf"
( cd "$work/conf" && "$bin/watchpost" manifest keygen --out department >/dev/null )
printf '[web]\nlink_key = %s\n' "$(openssl rand -hex 32)" > "$work/conf/secrets.conf"; chmod 600 "$work/conf/secrets.conf"
cat > "$work/conf/watchpost.conf" <<CONF
[daemon]
database = $work/watchpost.db
secrets = secrets.conf
jitter = 0
log_level = info
blocking_threads = 4
[smtp]
host = 127.0.0.1
port = 1
insecure = true
from = watchpost@example.org
[web]
listen = 127.0.0.1:$port
CONF
printf '#!/bin/sh\necho "OK - fine"\n' > "$work/conf/ok.sh"; chmod 755 "$work/conf/ok.sh"
{
    printf '[check share]\nkind = content\nname = Thư mục nội dung trên ổ mạng\nmedia_folder = %s/share\npublic_key = department.pub\ninterval = 1s\ntimeout = 1s\n\n' "$work"
    for i in 0 1; do printf '[check c%s]\nkind = exec\ncommand = ./ok.sh\ninterval = 1s\ntimeout = 900ms\n\n' $i; done
} > "$work/conf/probes/tay-trang/checks.conf"
"$bin/watchpost" check --config "$work/conf" > "$work/check.txt" 2>&1 || { cat "$work/check.txt"; fail "configuration"; }
printf 'k9-Lantern-pass\n' | "$bin/watchpost" user add viewer --role department --name "Sở TT&TT" --config "$work/conf" >/dev/null
token=$("$bin/watchpost" user token viewer --config "$work/conf")
"$bin/watchpost" run --config "$work/conf" > "$work/daemon.log" 2>&1 < /dev/null &
wp=$!; pids+=($wp)
metric() { curl -sf -m 10 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print int($2)}'; }
threads() { ls "/proc/$wp/task" | wc -l; }
state() { sqlite3 "$work/watchpost.db" "SELECT status FROM check_state WHERE check_id = '$1'" 2>/dev/null; }   # 0 OK … 3 UNKNOWN
last_ms() { sqlite3 "$work/watchpost.db" "SELECT last_ms FROM check_state WHERE check_id = '$1'" 2>/dev/null; }
# Now in milliseconds (julianday keeps them; strftime('%s') drops them and gave negative ages).
age_ms() { sqlite3 "$work/watchpost.db" "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - last_ms FROM check_state WHERE check_id = '$1'" 2>/dev/null; }

await "the web server answering /metrics" 60 '[ -n "$(metric watchpost_blocking_pool_stuck_threads)" ]'
await "the share's probe stuck past its deadline (one pool thread)" 60 '[ "$(metric watchpost_blocking_pool_stuck_threads)" = 1 ]'
await "the share's check UNKNOWN, not started again (probe.skipped)" 60 'grep -q "check=share.*probe.skipped\|probe.skipped.*check=share" "$work/daemon.log" || "$bin/watchpost" status --config "$work/conf" 2>/dev/null | grep "tay-trang/share" | grep -q "đã treo"'
[ "$(state share)" = 3 ] || fail "the share's check is $(state share), not UNKNOWN (3)"
# One hung probe, one busy thread: before, the manifest read and the scan both stuck on the share
# (busy 2, stuck 1). The exec checks use the pool for a moment each second, so wait for a sample
# without them.
await "one pool thread busy for the stuck probe (not two)" 60 '[ "$(metric watchpost_blocking_pool_busy)" = 1 ]'
t0=$(threads); judged0=$(last_ms share)
# The hang lasts HOLD_SECONDS more intervals of the share's 1 s check, counted by the daemon's own
# clock: its last judgement of the share (each a skip while stuck) moves that far past the first.
await "the daemon judging the stuck share $hold s later" $(( hold * 4 + 30 )) '[ "$(last_ms share)" -ge $(( judged0 + hold * 1000 )) ]'
stuck=$(metric watchpost_blocking_pool_stuck_threads); t1=$(threads)
[ "$stuck" = 1 ] || fail "after $hold more intervals $stuck pool threads are stuck (one expected)"
# The pool makes its threads on demand (up to blocking_threads = 4) and keeps them, so the other
# checks may start one more while the share hangs (seen: 12 -> 13 in one run of make test). A
# probe started again every interval would add one thread per interval: HOLD_SECONDS (≥ 6) more.
[ $(( t1 - t0 )) -le 2 ] || fail "the daemon's threads grew from $t0 to $t1 in $hold intervals while the probe stayed stuck"
[ "$(state share)" = 3 ] || fail "the share's check is $(state share) while stuck, not UNKNOWN (3)"
for c in c0 c1; do
    a=$(age_ms $c)
    [ "$(state $c)" = 0 ] || fail "$c is $(state $c), not OK"
    [ -n "$a" ] && [ "$a" -lt 3000 ] || fail "$c's last result is $a ms old (its interval is 1 s)"
done
# Said once when it stuck, not at every interval (the share's interval is 1 s).
n=$(grep -c "stuck past its deadline" "$work/daemon.log")
[ "$n" = 1 ] || fail "the stuck probe was logged $n times at warning level (once expected)"
"$bin/watchpost" status --config "$work/conf" 2>/dev/null | grep "tay-trang/share" || true
echo "stuck ${hold}+ s: 1 pool thread stuck, daemon threads $t0 -> $t1, c0/c1 last results $(age_ms c0)/$(age_ms c1) ms old"

# The share answers again: the thread returns, the gauge clears, the check runs again.
touch "$work/release"
await "the stuck thread back (gauge 0)" 60 '[ "$(metric watchpost_blocking_pool_stuck_threads)" = 0 ]'
await "the share's check judged again (no longer UNKNOWN)" 60 '[ "$(state share)" != 3 ]'
kill -TERM "$wp"
wait "$wp" || fail "the daemon exited with status $? on SIGTERM"
echo OK
