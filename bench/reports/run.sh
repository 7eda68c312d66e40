#!/usr/bin/env bash
# Reports benchmark: a year of 30-second results for 20 checks (~21 million results), stored the
# way the daemon stores them (compact history: every status change plus one sample per 5 min,
# ~2.1 million rows), reported by `watchpost report` (txt, csv, html, and the A4 PDF made with cairo) — time and peak memory —
# beside the peer: sqlite3's own CLI computing per-check down time with a window function over
# the same rows. The site is 24/7 so both must agree to the second on every check's downtime.
#   bench/reports/run.sh [FAILURES_PER_CHECK]      (default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. bench/reports/generate-history.sh
ensure_packages $BUILD_PACKAGES sqlite3 time bc
fails=${1:-60}
work=$(mktemp -d /tmp/watchpost-bench-reports-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

echo "==> release build"
swift build -c release --product watchpost 2>&1 | tail -n 1
swift build -c release --product watchpost-pdf 2>&1 | tail -n 1   # the PDF helper, found beside watchpost
bin="$(swift build -c release --show-bin-path)/watchpost"

# Configuration: shipped contacts/chains, one 24/7 site with 20 checks (never run here).
mkdir -p "$work/wp/probes/bench"
cp -r alerts "$work/wp/"
cp probes/vung-ang/site.conf probes/vung-ang/schedule.conf "$work/wp/probes/bench/"
sed -i 's/^id = vung-ang/id = bench/' "$work/wp/probes/bench/site.conf"
sed -i '/^\[availability\]/,$d' "$work/wp/probes/bench/site.conf"   # the site = all 20 checks
printf '[daemon]\ndatabase = %s/wp.db\nsecrets = %s/none.conf\nlog_level = warning\n[smtp]\nhost = 127.0.0.1\ninsecure = true\nfrom = bench@example.org\n' "$work" "$work" > "$work/wp/watchpost.conf"
for i in $(seq -w 0 19); do printf '[check c%s]\nkind = exec\ncommand = /bin/true\ninterval = 24h\ntimeout = 10s\n\n' "$i"; done > "$work/wp/probes/bench/checks.conf"
"$bin" check --config "$work/wp"
# The daemon creates the schema; then its own rows are replaced by the generated year.
timeout -s INT 3 "$bin" run --config "$work/wp" 2>/dev/null || true

from=$(date -u -d '2025-01-01T00:00:00+07:00' +%s)000
to=$(date -u -d '2026-01-01T00:00:00+07:00' +%s)000
span_s=$(( (to - from) / 1000 ))
echo "==> generating 2025: 20 checks, $fails failures each, compact history"
t0=$(date +%s.%N)
generate_history "$work/wp.db" bench "$from" "$to" "$((to + 3600000))" "$fails"
sqlite3 "$work/wp.db" "DELETE FROM report_sent"
t1=$(date +%s.%N)
rows=$(sqlite3 "$work/wp.db" "SELECT COUNT(*) FROM history")
dbsize=$(stat -c %s "$work/wp.db")
echo "    $rows history rows (for 21,024,000 results), $(( dbsize / 1048576 )) MiB, generated in $(echo "$t1 - $t0" | bc) s"

# Warm the page cache once so every tool reads from memory.
cat "$work/wp.db" > /dev/null
timed() {  # name command... : runs it, sets T_<name> to "wall cpu peak_kb"
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.$name" "$@" 2> "$work/err.$name" || { echo "FAILED: $*" >&2; cat "$work/err.$name" >&2; exit 1; }
  read -r wall user sys kb < "$work/time.$name"
  printf -v "T_$name" '%s %s %s' "$wall" "$(echo "$user + $sys" | bc)" "$kb"
}
load=$(cut -d' ' -f1 /proc/loadavg)
for f in txt csv html pdf; do
  timed "$f" "$bin" report --config "$work/wp" --site bench --period 2025 --format "$f" --out "$work/report.$f"
done
peer_sql="SELECT check_id, SUM(CASE WHEN status = 2 THEN d ELSE 0 END) / 1000 AS down_s, SUM(d) / 1000 AS total_s FROM (
  SELECT check_id, status, COALESCE(LEAD(at_ms) OVER (PARTITION BY check_id ORDER BY at_ms, id), $to) - at_ms AS d
  FROM history WHERE site = 'bench' AND at_ms >= $from AND at_ms < $to) GROUP BY check_id ORDER BY check_id;"
timed peer sh -c "sqlite3 -csv '$work/wp.db' \"$peer_sql\" > '$work/peer.csv'"
# The floor: sqlite3 merely reading every row of the year once.
timed scan sh -c "sqlite3 '$work/wp.db' \"SELECT COUNT(*), SUM(status) FROM history WHERE site = 'bench' AND at_ms >= $from AND at_ms < $to\" > /dev/null"

# Cross-check: every check's downtime from watchpost's CSV equals the peer's.
agree=yes
while IFS=, read -r check down total; do
  ours=$(awk -F, -v c="$check" '$1 == "bench" && $2 == c { print $8 }' "$work/report.csv")
  [ "$ours" = "$down" ] || { agree="NO ($check: watchpost $ours s, sqlite3 $down s)"; break; }
done < "$work/peer.csv"

read -r pw pc pm <<< "$T_peer"
printf '\n%-46s %9s %9s %12s %10s\n' "a year, 20 checks, $rows rows" "wall s" "CPU s" "peak RSS kB" "CPU vs peer"
for f in txt csv html pdf; do
  v="T_$f"; read -r w c m <<< "${!v}"
  printf '%-46s %9s %9s %12s %10s\n' "watchpost report --format $f" "$w" "$c" "$m" "$(awk -v a="$c" -v b="$pc" 'BEGIN { printf "%.3fx", (b > 0 ? a / b : 0) }')"
done
printf '%-46s %9s %9s %12s %10s\n' "peer: sqlite3 CLI window-function downtime" "$pw" "$pc" "$pm" "1.00x"
read -r sw sc sm <<< "$T_scan"
printf '%-46s %9s %9s %12s %10s\n' "floor: sqlite3 CLI reading every row once" "$sw" "$sc" "$sm" "$(awk -v a="$sc" -v b="$pc" 'BEGIN { printf "%.3fx", (b > 0 ? a / b : 0) }')"
echo "load average at start: $load on $(nproc) cores (wall time includes waiting for the CPU; CPU s is user + system)"
echo "per-check downtime agrees with the peer to the second: $agree"
echo "report sizes: txt $(stat -c %s "$work/report.txt") B, csv $(stat -c %s "$work/report.csv") B, html $(stat -c %s "$work/report.html") B, pdf $(stat -c %s "$work/report.pdf") B"
read -r hw hc hm <<< "$T_html"
awk -v c="$hc" -v w="$hw" 'BEGIN { printf "target < 2 s: CPU %s s %s; wall %s s %s\n", c, (c < 2.0 ? "met" : "NOT met"), w, (w < 2.0 ? "met" : "NOT met (machine load)") }'
