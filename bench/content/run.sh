#!/usr/bin/env bash
# Content-integrity hashing benchmark: Watchpost's media scanner (through `watchpost manifest
# create`, the same streaming code the content probe runs) beside `sha256sum` and
# `openssl dgst -sha256` on the same 2 GiB of generated media, page cache warm, in one run.
# Prints throughput of all three, ratios to openssl, and Watchpost's peak RSS (/usr/bin/time -v).
#
#   bench/content/run.sh [SIZE_MIB]      (default 2048; data kept in $BENCH_DIR, default /tmp)
# Goal (issue 6): Watchpost ≥ 0.9× openssl's throughput, peak RSS < 20 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES openssl coreutils time findutils bc gawk
size_mib="${1:-2048}"
runs="${RUNS:-3}"
data="${BENCH_DIR:-/tmp}/watchpost-bench-content-${size_mib}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> build (release)"
swift build -c release --product watchpost 2>&1 | tail -n 1
swift build -c release --product watchpost-hash-bench 2>&1 | tail -n 1
bin="$(swift build -c release --show-bin-path)/watchpost"
scanner="$(swift build -c release --show-bin-path)/watchpost-hash-bench"

# Media like a player's folder: a few large videos and many mid-sized clips and images.
if [ ! -f "$data.complete" ]; then
    echo "==> generating ${size_mib} MiB of media in $data"
    rm -rf "$data"; mkdir -p "$data/videos" "$data/clips" "$data/images"
    big=$(( size_mib / 2 / 4 ))                 # half in 4 large videos
    for i in 1 2 3 4; do openssl rand -out "$data/videos/video-$i.mp4" $(( big * 1048576 )); done
    clips=$(( size_mib / 2 / 16 ))              # the other half in 16 MiB clips
    for i in $(seq 1 "$clips"); do openssl rand -out "$data/clips/clip-$i.mp4" $(( 16 * 1048576 )); done
    for i in $(seq 1 64); do openssl rand -out "$data/images/image-$i.png" 65536; done
    touch "$data.complete"
fi
bytes=$(find "$data" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$data" -type f | wc -l)
echo "==> $files files, $bytes bytes; warming the page cache"
find "$data" -type f -print0 | xargs -0 cat > /dev/null
find "$data" -type f -print0 | xargs -0 cat > /dev/null

"$bin" manifest keygen --out "$work/bench" > /dev/null
now() { date +%s.%N; }
best() { sort -g | head -n 1; }

declare -A secs
run_tool() {  # name, command...
    local name="$1"; shift
    local t=()
    for _ in $(seq 1 "$runs"); do
        local a b; a=$(now); "$@" > /dev/null; b=$(now)
        t+=("$(echo "$b - $a" | bc -l)")
    done
    secs[$name]=$(printf '%s\n' "${t[@]}" | best)
}

echo "==> hashing, best of $runs each"
run_tool sha256sum bash -c "find '$data' -type f -print0 | xargs -0 sha256sum"
run_tool openssl bash -c "find '$data' -type f -print0 | xargs -0 openssl dgst -sha256"
run_tool scanner bash -c "'$scanner' '$data' 2>/dev/null"
run_tool watchpost bash -c "rm -f '$work/m'; '$bin' manifest create '$data' --key '$work/bench.key' --valid-from 2026-01-01 --valid-to 2026-12-31 --approved-by bench --output '$work/m' 2>/dev/null"
grep -c '^file ' "$work/m" | xargs -I{} echo "    watchpost listed {} files"
# The manifest agrees with sha256sum on every file.
find "$data" -type f -print0 | xargs -0 sha256sum | sed "s#  $data/# #" | sort > "$work/peer"
grep '^file ' "$work/m" | awk '{print $2" "$4}' | sort > "$work/ours"
if cmp -s "$work/peer" "$work/ours"; then echo "    digests: identical to sha256sum for all files"; else echo "    digests: DIFFER from sha256sum"; exit 1; fi

"$scanner" "$data" 2>/dev/null | awk '{print $1" "$2}' | sort > "$work/scanner"
if cmp -s "$work/peer" "$work/scanner"; then echo "    scanner digests: identical to sha256sum"; else echo "    scanner digests: DIFFER from sha256sum"; exit 1; fi

# Peak RSS (GNU time, maximum resident set size in kB): the product CLI and the scanner alone,
# each also with nothing to hash (the process's floor: Swift runtime and linked libraries).
mkdir -p "$work/empty"
peak() { /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt" || true; awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt"; }
scan_rss_kb=$(peak "$scanner" "$data")
scan_floor_kb=$(peak "$scanner" "$work/empty")
cli_floor_kb=$(peak "$bin" manifest verify "$work/none" --public-key "$work/bench.pub")
rm -f "$work/m"
/usr/bin/time -v "$bin" manifest create "$data" --key "$work/bench.key" --valid-from 2026-01-01 --valid-to 2026-12-31 \
    --approved-by bench --output "$work/m" > /dev/null 2> "$work/time.txt"
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")

echo
printf '%-28s %10s %12s %14s %14s\n' "tool" "seconds" "MB/s" "vs openssl" "peak RSS"
for name in sha256sum openssl scanner watchpost; do
    s=${secs[$name]}
    mbps=$(echo "$bytes / $s / 1000000" | bc -l)
    ratio=$(echo "${secs[openssl]} / $s" | bc -l)
    rss="-"
    [ "$name" = watchpost ] && rss="$(echo "$rss_kb / 1024" | bc -l | xargs printf '%.1f MiB')"
    [ "$name" = scanner ] && rss="$(echo "$scan_rss_kb / 1024" | bc -l | xargs printf '%.1f MiB')"
    label=$name; [ "$name" = openssl ] && label="openssl dgst -sha256"; [ "$name" = watchpost ] && label="watchpost manifest create"
    [ "$name" = scanner ] && label="watchpost-hash-bench"
    printf '%-28s %10.3f %12.1f %13.2fx %14s\n' "$label" "$s" "$mbps" "$ratio" "$rss"
done
echo
mib() { echo "$1 / 1024" | bc -l | xargs printf '%.1f'; }
echo "RSS floor with nothing to hash: watchpost-hash-bench $(mib "$scan_floor_kb") MiB, watchpost CLI $(mib "$cli_floor_kb") MiB"
echo "(hashing $bytes bytes adds $(mib $((scan_rss_kb - scan_floor_kb))) MiB to the scanner: one 1 MiB buffer, a thread, libcrypto state)"
echo "goal: ≥ 0.90x openssl's throughput, peak RSS < 20 MiB; load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
