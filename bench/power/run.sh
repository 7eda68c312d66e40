#!/usr/bin/env bash
# Poll latency of the power probe against an emulated USB HID UPS (Tests/umockdev/ups-harness.c
# under libumockdev), beside NUT's usbhid-ups on the same emulated device, in the same run:
#   full refresh — every mapped variable (NUT: "Full update", every pollfreq)
#   quick poll   — what ups.status needs (NUT: "Quick update" with -x pollonly; Watchpost: the
#                  status report plus charge and runtime, after draining the interrupt pipe)
# Watchpost's latency is each poll's time on the monotonic clock (`--timing`: poll_us=N on stderr,
# microseconds; a result's own duration is in whole ms, too coarse here); NUT's is from its own debug
# timestamps (first to last line of each update; its -DDDDD logging is included, so NUT's numbers
# are slightly pessimistic). Both pay umockdev's socket round trip per USB request, so the ratio
# is the comparable figure, not the absolute milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES nut-server umockdev libumockdev-dev gcc
POLLS=${POLLS:-60}
# WATCHPOST_BENCH_BIN_DIR=DIR measures a watchpost already built there.
if [ -n "${WATCHPOST_BENCH_BIN_DIR:-}" ]; then
  bin="$WATCHPOST_BENCH_BIN_DIR"
else
  echo "==> build (release)"
  swift build -c release --product watchpost 2>&1 | tail -n 1
  bin="$(swift build -c release --show-bin-path)"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
gcc -std=gnu11 -O2 -Wall -o "$work/ups-harness" Tests/umockdev/ups-harness.c $(pkg-config --cflags --libs umockdev-1.0 gio-2.0)

stats() { # reads milliseconds, one per line; prints "n mean median p95"
    /usr/bin/python3 -c '
import sys, statistics
v = sorted(float(x) for x in sys.stdin if x.strip())
if not v: print("0 - - -"); sys.exit()
p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
print(len(v), "%.3f" % statistics.mean(v), "%.3f" % statistics.median(v), "%.3f" % p95)'
}
timings() { # poll_us=N lines → milliseconds, skipping the first poll (device open + descriptor)
    /usr/bin/python3 -c '
import sys
for i, line in enumerate(l for l in sys.stdin if l.startswith("poll_us=")):
    if i > 0: print("%.3f" % (int(line.split("=")[1]) / 1000))'
}

echo "==> watchpost: $POLLS full refreshes, $POLLS quick polls"
timeout 300 "$work/ups-harness" --device hid -- "$bin/watchpost" probe ups --vendor 051d --product 0002 \
    --repeat $((POLLS + 1)) --every 0ms --full-refresh 0ms --json --timing 2>"$work/wp-full.err" >/dev/null
timings < "$work/wp-full.err" > "$work/wp-full.txt"
timeout 300 "$work/ups-harness" --device hid -- "$bin/watchpost" probe ups --vendor 051d --product 0002 \
    --repeat $((POLLS + 1)) --every 0ms --json --timing 2>"$work/wp-quick.err" >/dev/null
timings < "$work/wp-quick.err" > "$work/wp-quick.txt"

echo "==> NUT usbhid-ups (-x pollonly -i 1 -x pollfreq=2, ~$((POLLS)) s)"
mkdir -p "$work/nut"
NUT_STATEPATH="$work/nut" NUT_CONFPATH="$work/nut" timeout $((POLLS + 30)) "$work/ups-harness" --device hid -- \
    timeout $((POLLS + 3)) /lib/nut/usbhid-ups -s bench -x port=auto -x vendorid=051d -x pollonly -x pollfreq=2 -i 1 -u root -DDDDD \
    > "$work/nut.log" 2>&1 || true
# Each update: from "upsdrv_updateinfo..." to the last line before the driver sleeps (> 200 ms gap).
awk -v out="$work" '
    /upsdrv_updateinfo/ { if (start) emit(); start = $1; kind = ""; last = $1; next }
    /Quick update/ { kind = "quick" } /Full update/ { kind = "full" }
    { if (start && $1 - last < 0.2) last = $1 }
    function emit() { if (kind != "") print (last - start) * 1000 > (out "/nut-" kind ".txt"); start = 0 }
    END { if (start) emit() }' "$work/nut.log"
touch "$work/nut-full.txt" "$work/nut-quick.txt"

printf '\n%-34s %6s %10s %10s %10s\n' "poll latency (ms)" "n" "mean" "median" "p95"
for row in "watchpost full refresh:wp-full" "NUT usbhid-ups full update:nut-full" "watchpost quick poll:wp-quick" "NUT usbhid-ups quick update:nut-quick"; do
    label="${row%%:*}"; file="${row##*:}"
    read -r n mean median p95 < <(stats < "$work/$file.txt")
    printf '%-34s %6s %10s %10s %10s\n' "$label" "$n" "$mean" "$median" "$p95"
    eval "mean_${file//-/_}=$mean"; eval "median_${file//-/_}=$median"
done
ratio() { /usr/bin/python3 -c "import sys; a, b = sys.argv[1], sys.argv[2]; print('%.2f' % (float(a) / float(b)) if a not in '-' and b not in '-' and float(b) > 0 else '-')" "$1" "$2"; }
printf '\n%-34s %s / %s\n' "ratio watchpost / NUT, full (mean / median)" "$(ratio "$mean_wp_full" "$mean_nut_full")" "$(ratio "$median_wp_full" "$median_nut_full")"
printf '%-34s %s / %s\n' "ratio watchpost / NUT, quick (mean / median)" "$(ratio "$mean_wp_quick" "$mean_nut_quick")" "$(ratio "$median_wp_quick" "$median_nut_quick")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
