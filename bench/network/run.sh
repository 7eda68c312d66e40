#!/usr/bin/env bash
# ICMP benchmark beside Debian's fping, in the same run with the same packet timing: 100 loopback
# targets (127.0.0.1–127.0.0.100) × 3 echoes, 10 ms between any two echoes (fping -i 10, our
# --spacing 10ms), 1 s between echoes to one target (fping -p 1000, our --interval 1s), 500 ms
# reply timeout (fping -t 500, our --timeout 500ms). Reports wall time, CPU time and peak RSS of
# fping, of `watchpost-probe net` (the small ad-hoc probe program, the one to compare with fping)
# and of `watchpost probe net` (the same probe inside the full program, which loads and relocates
# watchpost's C libraries first), median of RUNS runs, all three alternating in the same run, and
# checks that loss and round trips agree per target.
#   bench/network/run.sh [RUNS]      (default 5; needs root or CAP_NET_RAW for the three)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES fping python3
runs=${1:-5}
work=$(mktemp -d /tmp/watchpost-bench-net-XXXXXX)
trap 'rm -rf "$work"' EXIT

# WATCHPOST_BENCH_BIN_DIR=DIR measures the watchpost and watchpost-probe of another build (e.g. a
# release build made with --scratch-path); by default both are built here in release.
if [ -n "${WATCHPOST_BENCH_BIN_DIR:-}" ]; then
  dir="$WATCHPOST_BENCH_BIN_DIR"
else
  echo "==> release build"
  swift build -c release --product watchpost 2>&1 | tail -n 1
  swift build -c release --product watchpost-probe 2>&1 | tail -n 1
  dir="$(swift build -c release --show-bin-path)"
fi
for b in watchpost watchpost-probe; do
  [ -x "$dir/$b" ] || { echo "FAIL: no $dir/$b (swift build -c release --product $b)"; exit 1; }
done
echo "==> $dir/watchpost-probe, $dir/watchpost"
targets=$(seq 1 100 | sed 's/^/127.0.0./')
list=$(echo $targets | tr ' ' ',')

# measure OUT TIMEFILE CMD...: runs CMD with stdout+stderr to OUT and writes "wall cpu_user
# cpu_sys maxrss_kB" to TIMEFILE. CPU comes from getrusage of the child (microseconds, unlike
# time(1)'s 10 ms); peak RSS from GNU time, which runs CMD from its own small process (a child of
# python would report python's pages as its peak). Both tools pay the same time(1) overhead.
measure() {
  /usr/bin/python3 - "$@" <<'PY'
import os, resource, sys, time
out, timefile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
rssfile = timefile + ".rss"
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
pid = os.posix_spawn("/usr/bin/time", ["/usr/bin/time", "-f", "%M", "-o", rssfile] + cmd, os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)])
os.waitpid(pid, 0)
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
rss = open(rssfile).read().split()[-1]
open(timefile, "w").write(f"{wall} {after.ru_utime - before.ru_utime} {after.ru_stime - before.ru_stime} {rss}\n")
PY
}
for i in $(seq 1 "$runs"); do
  measure "$work/fping.$i.out" "$work/fping.$i.time" fping -q -c 3 -i 10 -p 1000 -t 500 $targets
  measure "$work/wp.$i.json" "$work/wp.$i.time" "$dir/watchpost-probe" net --target "$list" --count 3 --spacing 10ms --interval 1s --timeout 500ms --json
  measure "$work/full.$i.json" "$work/full.$i.time" "$dir/watchpost" probe net --target "$list" --count 3 --spacing 10ms --interval 1s --timeout 500ms --json
done

/usr/bin/python3 - "$work" "$runs" <<'PY'
import json, re, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def times(tool):
    rows = [list(map(float, open(f"{work}/{tool}.{i}.time").read().split()[-4:])) for i in range(1, runs + 1)]
    wall = statistics.median(r[0] for r in rows)
    cpu = statistics.median(r[1] + r[2] for r in rows)
    rss = statistics.median(r[3] for r in rows)
    return wall, cpu, rss
fw, fc, fr = times("fping")
ww, wc, wr = times("wp")
uw, uc, ur = times("full")
print()
print(f"100 targets x 3 echoes on loopback, spacing 10 ms, per-target interval 1 s, timeout 500 ms; median of {runs} runs")
print(f"{'':14}{'fping':>12}{'watchpost-probe':>17}{'ratio':>8}{'watchpost probe':>17}{'ratio':>8}")
print(f"{'wall (s)':14}{fw:>12.3f}{ww:>17.3f}{ww/fw:>8.2f}{uw:>17.3f}{uw/fw:>8.2f}")
print(f"{'CPU (s)':14}{fc:>12.4f}{wc:>17.4f}{(wc/fc if fc else float('inf')):>8.2f}{uc:>17.4f}{(uc/fc if fc else float('inf')):>8.2f}")
print(f"{'peak RSS (kB)':14}{fr:>12.0f}{wr:>17.0f}{wr/fr:>8.2f}{ur:>17.0f}{ur/fr:>8.2f}")
# Agreement, per target, over every run: loss equal, average round trips of the same order.
pat = re.compile(r"^(\S+)\s*: xmt/rcv/%loss = (\d+)/(\d+)/(\d+)%(?:, min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+))?")
loss_mismatch = 0; favg = []; wavg = []
for i in range(1, runs + 1):
    f = {}
    for line in open(f"{work}/fping.{i}.out"):
        m = pat.match(line.strip())
        if m: f[m.group(1)] = (float(m.group(4)), float(m.group(6)) if m.group(6) else None)
    for tool in ("wp", "full"):
        r = json.load(open(f"{work}/{tool}.{i}.json"))
        w = {}
        for m in r["measurements"]:
            name, _, target = m["name"].partition("[")
            target = target.rstrip("]")
            w.setdefault(target, {})[name] = m["value"]
        for t, (floss, fav) in f.items():
            wl = w.get(t, {}).get("loss")
            if wl is None or abs(wl - floss) > 0.5: loss_mismatch += 1
            if tool == "wp" and fav is not None and "rtt_avg" in w.get(t, {}): favg.append(fav); wavg.append(w[t]["rtt_avg"])
    if len(f) != 100: print(f"run {i}: fping reported {len(f)} targets, expected 100")
print(f"loss agreement: {200*runs - loss_mismatch}/{200*runs} target-runs with equal loss % (watchpost-probe and watchpost probe, each against fping)")
if favg:
    print(f"average RTT over all targets (ms): fping {statistics.mean(favg):.3f}, watchpost-probe {statistics.mean(wavg):.3f}; "
          f"median fping {statistics.median(favg):.3f}, watchpost-probe {statistics.median(wavg):.3f}")
ok = ww <= 1.1 * fw and wc <= 1.2 * fc and loss_mismatch == 0
print("goal for watchpost-probe (wall within 1.1x, CPU within 1.2x, equal loss; issue #20):", "met" if ok else "NOT met")
full_ok = uw <= 1.1 * fw and uc <= 1.2 * fc and loss_mismatch == 0
print("the same goal for watchpost probe net (the full program):", "met" if full_ok else "NOT met")
PY
