#!/usr/bin/env bash
# Remakes bench/daemon/hot-functions.order: runs bench/daemon/run.sh's demo set with the daemon
# under callgrind, zeroes the profile once start-up is over (after the page return at 10 s),
# profiles SECONDS of steady state and keeps the functions of the binary that ran (hot_functions.py).
# The release link places them side by side (Package.swift). Root (the demo pings).
#   WATCHPOST_BENCH_BIN_DIR=.build/release bench/daemon/hot-functions.sh [SECONDS=75]
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages valgrind binutils
secs=${1:-75}
bin="${WATCHPOST_BENCH_BIN_DIR:?set WATCHPOST_BENCH_BIN_DIR to a release build}"
work=$(mktemp -d /tmp/watchpost-hot-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$bin/watchpost" "$work/watchpost"; cp "$bin/watchpost-sim" "$work/watchpost-sim"
sed "s#^\"\$bin/watchpost\" run #valgrind --tool=callgrind --callgrind-out-file=$work/cg.out \"\$bin/watchpost\" run #" \
    bench/daemon/run.sh > "$work/run.sh"
grep -q 'valgrind --tool=callgrind' "$work/run.sh" || { echo "run.sh no longer starts the daemon the way this script expects" >&2; exit 1; }
cp "$work/run.sh" bench/daemon/.run-callgrind.sh; trap 'rm -rf "$work" bench/daemon/.run-callgrind.sh' EXIT
WATCHPOST_BENCH_BIN_DIR="$work" bash bench/daemon/.run-callgrind.sh $((secs + 60)) demo > "$work/bench.log" 2>&1 &
bench=$!
pid=""
for _ in $(seq 1 120); do pid=$(pgrep -f "callgrind.*$work/watchpost run" || true); [ -n "$pid" ] && break; sleep 0.5; done
[ -n "$pid" ] || { echo "the daemon did not start under callgrind" >&2; cat "$work/bench.log" >&2; exit 1; }
sleep 50   # start-up under valgrind, and the page return 10 s after the services start
callgrind_control -z "$pid" >/dev/null
sleep "$secs"
callgrind_control -d "$pid" >/dev/null
wait "$bench" || true
profile=$(ls "$work"/cg.out.* | tail -n 1)
/usr/bin/python3 bench/daemon/hot_functions.py "$profile" "$work/watchpost" bench/daemon/hot-functions.order
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
