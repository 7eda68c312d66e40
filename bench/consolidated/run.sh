#!/usr/bin/env bash
# Consolidated yearly report benchmark (issue #17 point 7): three site boxes, each a 24/7 site
# with 20 checks and this year of 30-second results kept as compact history (status changes plus
# one sample per 5 min, ~100 000 rows per check-year), served by three real `watchpost run`
# daemons on loopback; a console daemon with the three as [remote ID] reads their
# /api/v1/summary (each box builds its yearly figures), then `watchpost report --consolidated`
# renders txt, csv, html and the A4 PDF from the console's cache. Prints wall and CPU seconds and
# peak memory of each step, each box daemon's peak memory, and the load average. The peer, in the
# same invocation: sqlite3's own CLI computing every check's downtime over the same rows with a
# window function (as bench/reports); the box's CPU for its whole summary is given as a ratio to it,
# and the two downtimes are compared check by check.
#   bench/consolidated/run.sh [FAILURES_PER_CHECK]      (default 60)
#   WATCHPOST_BIN=.build/debug/watchpost bench/consolidated/run.sh   (no release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
. bench/reports/generate-history.sh
ensure_packages $BUILD_PACKAGES sqlite3 time bc curl python3
fails=${1:-60}
work=$(mktemp -d /tmp/watchpost-bench-consolidated-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

# WATCHPOST_BIN=path uses that binary (e.g. the debug build) instead of building for release.
if [ -n "${WATCHPOST_BIN:-}" ]; then
  bin=$WATCHPOST_BIN
else
  echo "==> release build"
  swift build -c release --product watchpost 2>&1 | tail -n 1
  swift build -c release --product watchpost-pdf 2>&1 | tail -n 1   # the PDF helper, found beside watchpost
  bin="$(swift build -c release --show-bin-path)/watchpost"
fi
echo "binary: $bin"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
year=$(TZ=Asia/Ho_Chi_Minh date +%Y)
from=$(date -u -d "${year}-01-01T00:00:00+07:00" +%s)000
now=$(date +%s)000
span_s=$(( (now - from) / 1000 ))

# A box: Vũng Áng's 24/7 schedule, 20 exec checks (run once a day: the year is generated).
make_box() {  # dir site checks port   (the site keeps Vũng Áng's id: its contacts and chains serve it)
  local dir=$1 site=$2 n=$3 port=$4
  mkdir -p "$dir/probes/$site"
  cp -r alerts "$dir/"
  cp probes/vung-ang/site.conf probes/vung-ang/schedule.conf "$dir/probes/$site/"
  sed -i '/^\[availability\]/,$d' "$dir/probes/$site/site.conf"
  printf '[daemon]\ndatabase = var/wp.db\nsecrets = secrets.conf\nlog_level = warning\n[smtp]\nhost = 127.0.0.1\ninsecure = true\nfrom = bench@example.org\n[web]\nlisten = 127.0.0.1:%s\n' "$port" > "$dir/watchpost.conf"
  printf '[web]\nlink_key = %s\n' "$key" > "$dir/secrets.conf"; chmod 600 "$dir/secrets.conf"
  for i in $(seq -w 0 $((n - 1))); do printf '[check c%s]\nkind = exec\ncommand = /bin/true\ninterval = 24h\ntimeout = 10s\n\n' "$i"; done > "$dir/probes/$site/checks.conf"
  "$bin" check --config "$dir" > /dev/null
  timeout -s INT 3 "$bin" run --config "$dir" 2>/dev/null || true   # creates the schema
}


echo "==> three boxes × 20 checks, $year (1/1 to now), $fails failures per check"
console="$work/console"
cport=$(free_port)
make_box "$console" vung-ang 1 "$cport"
remotes=""
for b in a b c; do
  port=$(free_port)
  make_box "$work/$b" vung-ang 20 "$port"
  printf 'bench-password-2026\n' | "$bin" user add so-tttt --role department --name "Sở TT&TT" --config "$work/$b" > /dev/null
  token=$("$bin" user token so-tttt --config "$work/$b" | tail -n 1)
  printf '[remote %s]\ntoken = %s\n' "$b" "$token" >> "$console/secrets.conf"
  remotes+=$(printf '[remote %s]\nurl = http://127.0.0.1:%s\npoll = 1h\ntimeout = 300s\n' "$b" "$port")$'\n'
  generate_history "$work/$b/var/wp.db" vung-ang "$from" "$now" "$now" "$fails"
  echo "    box $b: $(sqlite3 "$work/$b/var/wp.db" 'SELECT COUNT(*) FROM history') history rows"
done
printf '%s' "$remotes" >> "$console/watchpost.conf"
"$bin" check --config "$console" > /dev/null

for b in a b c; do "$bin" run --config "$work/$b" >> "$work/$b.log" 2>&1 & pids+=($!); done
for b in a b c; do
  port=$(sed -n 's/^listen = 127.0.0.1://p' "$work/$b/watchpost.conf")
  for _ in $(seq 600); do curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Each box builds its yearly summary (one at a time: the cost of one box), beside the peer:
#    sqlite3 computing every check's downtime over the generated rows with a window function.
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
peer_sql="SELECT check_id, SUM(CASE WHEN status = 2 THEN d ELSE 0 END) / 1000 FROM (
  SELECT check_id, status, COALESCE(LEAD(at_ms) OVER (PARTITION BY check_id ORDER BY at_ms, id), $now) - at_ms AS d
  FROM history WHERE site = 'vung-ang' AND at_ms >= $from AND at_ms < $now) GROUP BY check_id ORDER BY check_id;"
printf '\n%-58s %9s %9s %12s\n' "step" "wall s" "CPU s" "peak RSS kB"
i=0
for b in a b c; do
  port=$(sed -n 's/^listen = 127.0.0.1://p' "$work/$b/watchpost.conf")
  token=$(awk -v b="[remote $b]" '$0 == b { getline; print $3 }' "$console/secrets.conf")
  c0=$(cpu_ticks "${pids[$i]}")
  t=$(curl -s -o "$work/summary-$b.json" -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/summary?period=$year")
  c1=$(cpu_ticks "${pids[$i]}")
  grep -q '"sites"' "$work/summary-$b.json" || { echo "box $b did not answer a summary: $(head -c 300 "$work/summary-$b.json")" >&2; exit 1; }
  box_cpu=$(echo "scale=2; ($c1 - $c0) / $ticks" | bc)
  printf '%-58s %9s %9s %12s\n' "box $b: GET /api/v1/summary?period=$year (20 checks)" "$t" "$box_cpu" "-"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.peer-$b" sqlite3 -csv "$work/$b/var/wp.db" "$peer_sql" > "$work/peer-$b.csv"
  read -r pw pu ps pm < "$work/time.peer-$b"
  pc=$(echo "$pu + $ps" | bc)
  printf '%-58s %9s %9s %12s\n' "  peer: sqlite3 CLI, per-check downtime (window function)" "$pw" "$pc" "$pm"
  python3 - "$work/summary-$b.json" "$work/peer-$b.csv" "$box_cpu" "$pc" "$now" <<'PY'
import csv, json, sys
s = json.load(open(sys.argv[1]))["sites"][0]
t = s["tally"]
checks = s["checks"]
assert len(checks) == 20 and t["down"] > 0 and t["up"] > 0, "box summary without figures"
print(f"    {len(checks)} checks; site up {t['up']} s, down {t['down']} s, no data {t['noData']} s; "
      f"availability {100 * t['up'] / (t['up'] + t['down']):.3f} %; outages {s['outages']}")
peer = {row[0]: int(row[1]) for row in csv.reader(open(sys.argv[2]))}
# The peer stops at the end of the generated rows; the box counts on to the moment it answered,
# so a check still failing then may differ by up to that many seconds, no more.
slack = max(0, s["to"] - int(sys.argv[5]) // 1000)
worst = max(abs(c["tally"]["down"] - peer[c["id"]]) for c in checks)
box_cpu, peer_cpu = float(sys.argv[3]), float(sys.argv[4])
ratio = f"{box_cpu / peer_cpu:.2f}x" if peer_cpu > 0 else "n/a"
print(f"    per-check downtime vs sqlite3: largest difference {worst} s (allowed {slack} s): {'agrees' if worst <= slack else 'DISAGREES'}; "
      f"box CPU / sqlite3 CPU = {ratio}")
PY
  i=$((i + 1))
done

# 2. The console reads the three at once (its service, at start) until all three are cached.
t0=$(date +%s.%N)
"$bin" run --config "$console" >> "$work/console.log" 2>&1 & pids+=($!)
cpid=$!
for _ in $(seq 3000); do
  n=$(sqlite3 "$console/var/wp.db" "SELECT COUNT(*) FROM remote_summary WHERE period = '$year'" 2>/dev/null || echo 0)
  [ "$n" = 3 ] && break; sleep 0.1
done
[ "$n" = 3 ] || { echo "the console did not cache three boxes; log:" >&2; tail -20 "$work/console.log" >&2; exit 1; }
t1=$(date +%s.%N)
printf '%-58s %9s %9s %12s\n' "console: start, read 3 boxes at once, cache them" "$(echo "$t1 - $t0" | bc)" "$(echo "scale=2; $(cpu_ticks "$cpid") / $ticks" | bc)" "$(awk '/VmHWM/ { print $2 }' /proc/$cpid/status)"
names=(a b c)
for i in 0 1 2; do
  printf '%-58s %9s %9s %12s\n' "box ${names[$i]}: daemon peak memory after serving twice" "" "" "$(awk '/VmHWM/ { print $2 }' /proc/${pids[$i]}/status)"
done

# 3. The consolidated report from the cache.
for f in txt csv html pdf; do
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.$f" "$bin" report --consolidated --period "$year" --format "$f" --out "$work/consolidated.$f" --config "$console" 2> "$work/err.$f" \
    || { echo "FAILED: report --consolidated --format $f" >&2; cat "$work/err.$f" >&2; exit 1; }
  read -r w u s m < "$work/time.$f"
  printf '%-58s %9s %9s %12s\n' "watchpost report --consolidated --format $f" "$w" "$(echo "$u + $s" | bc)" "$m"
done
rows=$(( $(wc -l < "$work/consolidated.csv") - 1 ))
echo "consolidated CSV: $rows clusters; $(grep -c ',yes,' "$work/consolidated.csv") from reachable boxes"
echo "load average at start (1, 5, 15 min): $load on $(nproc) cores"
