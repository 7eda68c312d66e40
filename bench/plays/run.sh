#!/usr/bin/env bash
# Broadcast-log benchmark: a year of plays (one item every 30 s, 1,051,200 rows) in the store's
# migration-20 schema, then read back through the store for one month and for the whole year
# (streamed, as `watchpost plays --format csv` reads it, and collected in memory), the monthly
# sums the figures use, and `watchpost plays --format csv` for a month as a process (time and
# peak memory from /usr/bin/time). Peer: the sqlite3 shell running the same month query on the
# same file. Prints the store's size on disk. Say the load average next to any figure.
#   bench/plays/run.sh [ROWS]        (default 1051200)
#   BIN_DIR=.build/release bench/plays/run.sh   (no build: binaries already there)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES sqlite3 time
rows=${1:-1051200}
work=$(mktemp -d /tmp/watchpost-bench-plays-XXXXXX)
trap 'rm -rf "$work"' EXIT

# BIN_DIR=.build/release uses binaries already built there (e.g. with `swift build -c release -j 1`:
# a build with another -j recompiles every module, since -j sets swiftc's -num-threads).
if [ -n "${BIN_DIR:-}" ]; then
  bindir=$BIN_DIR
else
  echo "==> release build"
  swift build -c release --product watchpost-bench-plays 2>&1 | tail -n 1
  swift build -c release --product watchpost 2>&1 | tail -n 1
  bindir="$(swift build -c release --show-bin-path)"
fi
echo "binaries: $bindir"

echo "==> fill and read ($rows rows)   load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "bench peak_rss_kb=%M" "$bindir/watchpost-bench-plays" "$work" "$rows"
ls -l "$work"/watchpost.db* | awk '{ s += $5 } END { printf "store on disk: %.1f MiB (%d bytes)\n", s / 1048576, s }'

# The CLI on the same database: a site folder whose database is the bench's.
mkdir -p "$work/config/probes/tay-trang"
cp -r alerts "$work/config/"
cp probes/tay-trang/site.conf probes/tay-trang/schedule.conf "$work/config/probes/tay-trang/"
# Own checks.conf below: the shipped [availability] names checks this copy lacks (check refuses it, #19).
sed -i '/^\[availability\]/,/^\[/{/^checks *=/d;/^power_check *=/d}' "$work/config/probes/tay-trang/site.conf"
printf '[daemon]\ndatabase = %s/watchpost.db\n[smtp]\nhost = 127.0.0.1\ninsecure = true\nfrom = bench@example.org\n' "$work" > "$work/config/watchpost.conf"
: > "$work/config/probes/tay-trang/checks.conf"
echo "==> watchpost plays --format csv, November 2026 (a process)"
/usr/bin/time -f "cli month wall_s=%e peak_rss_kb=%M" "$bindir/watchpost" plays --config "$work/config" --site tay-trang \
    --from 2026-11-01 --to 2026-11-30 --format csv > "$work/month.csv"
echo "    $(($(wc -l < "$work/month.csv") - 1)) rows"
# The year in every format, each streamed row by row (txt reads the period twice: column widths,
# then rows), so peak memory stays flat whatever the period.
for f in csv json txt; do
    echo "==> watchpost plays --format $f, the year 2026 (a process, streamed)"
    /usr/bin/time -f "cli year $f wall_s=%e peak_rss_kb=%M" "$bindir/watchpost" plays --config "$work/config" --site tay-trang \
        --from 2026-01-01 --to 2026-12-31 --format $f > "$work/year.$f"
    echo "    $(wc -c < "$work/year.$f") bytes"
done
echo "    csv: $(($(wc -l < "$work/year.csv") - 1)) rows; json: $(grep -o '"entry":' "$work/year.json" | wc -l) rows"
echo "==> watchpost plays --format csv, November 2026 again, for the peer comparison right after"
/usr/bin/time -f "cli month again wall_s=%e peak_rss_kb=%M" "$bindir/watchpost" plays --config "$work/config" --site tay-trang \
    --from 2026-11-01 --to 2026-11-30 --format csv > /dev/null

# The peer: the sqlite3 shell running the same query (join, ordered) and writing CSV, for the month
# and for the year — the floor for reading these rows out of SQLite.
query="SELECT l.id, l.site, l.player, l.entry, l.started_ms, l.ended_ms, l.last_seen_ms, l.gap, l.dark_ms, i.path, i.name, i.sha256, i.size, i.approved, i.reason, i.manifest_id, i.key_id, i.approved_at_ms, i.sequence, i.title, i.source, i.languages, i.month, i.kind, l.stopped_path, l.commanded_by FROM broadcast_log l LEFT JOIN broadcast_item i ON i.id = l.item_id WHERE l.site = 'tay-trang' AND l.started_ms >= FROM AND l.started_ms < TO ORDER BY l.started_ms, l.id"
from=$(date -d '2026-11-01T00:00:00+07:00' +%s)000; to=$(date -d '2026-12-01T00:00:00+07:00' +%s)000
echo "==> peer: sqlite3 -csv, the same month query   load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "sqlite3 month csv wall_s=%e peak_rss_kb=%M" sqlite3 -csv "$work/watchpost.db" "$(echo "$query" | sed "s/>= FROM/>= $from/; s/< TO/< $to/")" > /dev/null
yfrom=$(date -d '2026-01-01T00:00:00+07:00' +%s)000; yto=$(date -d '2027-01-01T00:00:00+07:00' +%s)000
echo "==> peer: sqlite3 -csv, the same year query"
/usr/bin/time -f "sqlite3 year csv wall_s=%e peak_rss_kb=%M" sqlite3 -csv "$work/watchpost.db" "$(echo "$query" | sed "s/>= FROM/>= $yfrom/; s/< TO/< $yto/")" > "$work/year.sqlite3.csv"
echo "    $(wc -l < "$work/year.sqlite3.csv") rows, $(wc -c < "$work/year.sqlite3.csv") bytes"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
