#!/usr/bin/env bash
# Incident-engine benchmark: 1,000 checks at the Tây Trang site (shipped chain and contacts),
# 1,000,000 results through the engine in memory (goal: ≥ 1,000,000 results/s), then the same
# stream with the engine's steps committed to SQLite (WAL, synchronous=FULL) — one transaction
# per step, and one per round of 1,000 results. The peer is the sqlite3 shell on the same disk
# doing bare one-row transactions with the same settings: the ceiling for durable commits here.
#   bench/engine/run.sh [RESULTS]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES sqlite3 bc time
results=${1:-1000000}
work=$(mktemp -d /tmp/watchpost-bench-engine-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "==> release build"
swift build -c release --product watchpost-bench-engine 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)/watchpost-bench-engine"

echo "==> engine ($results results)"
out=$("$bin" . "$work" "$results")
echo "$out"
field() { echo "$out" | awk -v l="$1" -v k="$2" '$1 == l { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }'; }

# The machine is shared: also count the CPU the in-memory run used, not only the wall clock.
/usr/bin/time -f "%U %S" -o "$work/cpu" "$bin" . "$work" "$results" memory > /dev/null
cpu=$(awk '{print $1 + $2}' "$work/cpu")
memcpu=$(echo "scale=0; $results / $cpu" | bc)

echo "==> peer: sqlite3 shell, one-row transactions, WAL, synchronous=FULL"
n=2000
{
  echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
  echo "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
  for i in $(seq 1 $n); do echo "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES ('incident step $i'); COMMIT;"; done
} > "$work/peer.sql"
p0=$(date +%s.%N)
sqlite3 "$work/peer.db" < "$work/peer.sql" > /dev/null
p1=$(date +%s.%N)
peer=$(echo "scale=0; $n / ($p1 - $p0)" | bc)

mem=$(field memory results_per_s)
step=$(field step steps_per_s)
batch_steps=$(field batch steps_per_s)
batch_results=$(field batch results_per_s)
printf '\n%-52s %14s %14s %8s\n' "measure" "watchpost" "reference" "ratio"
printf '%-52s %14s %14s %8s\n' "results/s through the engine, in memory" "$mem" "1000000 (goal)" "$(echo "scale=2; $mem / 1000000" | bc)"
printf '%-52s %14s %14s %8s\n' "results per CPU-second, in memory" "$memcpu" "1000000 (goal)" "$(echo "scale=2; $memcpu / 1000000" | bc)"
printf '%-52s %14s %14s %8s\n' "engine steps committed/s, 1 txn per step (FULL)" "$step" "$peer (sqlite3)" "$(echo "scale=2; $step / $peer" | bc)"
printf '%-52s %14s %14s %8s\n' "engine steps committed/s, 1 txn per round (FULL)" "$batch_steps" "$peer (sqlite3)" "$(echo "scale=2; $batch_steps / $peer" | bc)"
printf '%-52s %14s\n' "results/s with persistence, 1 txn per round" "$batch_results"
printf '%-52s %14s\n' "hard transitions / incidents / notifications" "$(field memory hard_transitions) / $(field memory incidents) / $(field memory notifications)"
