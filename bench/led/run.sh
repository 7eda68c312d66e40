#!/usr/bin/env bash
# Full NovaStar status polls per second and CPU per poll against the simulator with 16 receiving
# cards (2 ports x 8, with monitoring cards), Watchpost's client beside a plain Python poller
# (the peer: the same request sequence, Nova-Scripts style). Release builds, loopback only.
# POLLS (default 300). Also see fuzz.sh (>= 1,000,000 decoder inputs).
set -euo pipefail
cd "$(dirname "$0")/../.."
POLLS="${POLLS:-300}"
PORT="${PORT:-15290}"
echo "==> release build"
swift build -c release --product watchpost 2>&1 | tail -n 1
swift build -c release --product watchpost-sim 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)"
"$bin/watchpost-sim" novastar --listen "127.0.0.1:$PORT" --cards 8,8 --monitoring-cards 2>/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
ROUNDS="${ROUNDS:-5}"
echo "==> $ROUNDS alternating rounds of $POLLS full polls each (16 receiving cards, 120 requests per poll); medians"
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
wr=(); wc=(); pr=(); pc=()
for _ in $(seq "$ROUNDS"); do
    w=$("$bin/watchpost" probe led --host 127.0.0.1 --port "$PORT" --cards 8,8 --repeat "$POLLS")
    p=$("$PY" bench/led/peer_poll.py 127.0.0.1 "$PORT" 8,8 "$POLLS")
    echo "   watchpost: $w"
    echo "   peer:      $p"
    wr+=("$(field "$w" polls_per_s)"); wc+=("$(field "$w" cpu_ms_per_poll)")
    pr+=("$(field "$p" polls_per_s)"); pc+=("$(field "$p" cpu_ms_per_poll)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mwr=$(median "${wr[@]}"); mwc=$(median "${wc[@]}"); mpr=$(median "${pr[@]}"); mpc=$(median "${pc[@]}")
printf '\n%-34s %12s %16s\n' "client (median of $ROUNDS)" "polls/s" "CPU ms/poll"
printf '%-34s %12s %16s\n' "watchpost probe led (Swift)" "$mwr" "$mwc"
printf '%-34s %12s %16s\n' "peer_poll.py (Python, same reqs)" "$mpr" "$mpc"
awk -v a="$mwr" -v b="$mpr" -v c="$mwc" -v d="$mpc" 'BEGIN { printf "%-34s %12.2f %16.2f\n", "ratio watchpost/peer", a/b, c/d }'
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores: polls/s is latency-bound and moves with the load; CPU per poll is the stable figure)"
