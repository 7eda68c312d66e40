#!/usr/bin/env bash
# The long fuzz run (issue #19): builds watchpost-fuzz with libFuzzer and AddressSanitizer in its
# own build folder and runs each target for SECONDS (default 300) from the corpus in
# bench/fuzz/corpus/<target> (seeds written by the driver on first use). Prints, per target, the
# inputs run and the crashes found; a crash leaves its input as bench/fuzz/crashes/<target>-*.
# Usage: bench/fuzz/run.sh [SECONDS] [TARGET…]     (targets: config http imap novastar hid)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-300}; shift || true
targets=${*:-config http imap novastar hid}
echo "==> build (libFuzzer + AddressSanitizer, .build-fuzz) — load: $(uptime | sed 's/.*load average: //')"
swift build -c release --build-path .build-fuzz --product watchpost-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc FUZZING 2>&1 | grep -vE 'Cannot export local symbol|^\[' | tail -n 5
bin="$(swift build -c release --build-path .build-fuzz --show-bin-path)/watchpost-fuzz"
mkdir -p bench/fuzz/crashes
for t in $targets; do
    corpus="bench/fuzz/corpus/$t"; mkdir -p "$corpus"
    log=".build-fuzz/fuzz-$t.log"
    set +e
    WATCHPOST_FUZZ_TARGET=$t "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=10 \
        -artifact_prefix="bench/fuzz/crashes/$t-" "$corpus" > "$log" 2>&1
    status=$?
    set -e
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n 1)
    crashes=$(ls bench/fuzz/crashes/ 2>/dev/null | grep -c "^$t-" || true)
    echo "$t: ${runs:-?} inputs in ${seconds} s, ${crashes} crash(es), exit ${status} (log $log)"
done
