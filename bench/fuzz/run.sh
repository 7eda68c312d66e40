#!/usr/bin/env bash
# The long fuzz run (issue #19): builds watchpost-fuzz with libFuzzer and AddressSanitizer in its
# own build folder and runs each target for SECONDS (default 300) from the corpus in
# bench/fuzz/corpus/<target> (the target's seeds, written by LLVMFuzzerInitialize when it is empty). Prints, per target, the
# inputs run and the crashes found; a crash leaves its input as bench/fuzz/crashes/<target>-*.
# Usage: bench/fuzz/run.sh [SECONDS] [TARGET…]     (targets: config http imap novastar hid)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}; shift || true
targets=${*:-config http imap novastar hid}
flags=(-c release --build-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc FUZZING)
bin="$(swift build "${flags[@]}" --show-bin-path)/watchpost-fuzz"
if [ "${FUZZ_NO_BUILD:-0}" = 1 ] && [ -x "$bin" ]; then
    echo "==> using the libFuzzer build already in .build-fuzz (FUZZ_NO_BUILD=1), built $(date -u -r "$bin" '+%F %T UTC')"
else
    echo "==> build (libFuzzer + AddressSanitizer, .build-fuzz, -j 1) — load: $(uptime | sed 's/.*load average: //')"
    mkdir -p .build-fuzz
    if ! swift build "${flags[@]}" -j 1 --product watchpost-fuzz > .build-fuzz/build.log 2>&1; then
        grep -E 'error' .build-fuzz/build.log | head -n 20; tail -n 5 .build-fuzz/build.log; exit 1
    fi
fi
# A libFuzzer binary: it must say so (a normal build would run the seeded mutator instead).
# (grep -c, not -q: -q stops reading early, nm dies of SIGPIPE and pipefail calls that a failure.)
[ "$(nm "$bin" 2>/dev/null | grep -c LLVMFuzzerTestOneInput)" -gt 0 ] || { echo "FAIL: $bin is not a libFuzzer build"; exit 1; }
echo "==> $bin ($(du -h "$bin" | cut -f1)), $seconds s per target — load: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p bench/fuzz/crashes
for t in $targets; do
    corpus="bench/fuzz/corpus/$t"; mkdir -p "$corpus"
    log=".build-fuzz/fuzz-$t.log"
    set +e
    WATCHPOST_FUZZ_TARGET=$t WATCHPOST_FUZZ_SEED_DIR="$corpus" "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=10 \
        -artifact_prefix="bench/fuzz/crashes/$t-" "$corpus" > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
    corpus_n=$(ls "$corpus" | wc -l)
    crashes=$(ls bench/fuzz/crashes/ 2>/dev/null | grep -c "^$t-" || true)
    echo "$t: ${runs:-?} inputs in ${seconds} s, ${crashes} crash(es), coverage ${cov:-?} edges, corpus ${corpus_n}, exit ${status} (log $log)"
    [ "$status" = 0 ] || { echo "--- $t: last lines of the log"; tail -n 30 "$log"; }
done
