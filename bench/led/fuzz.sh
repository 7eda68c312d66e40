#!/usr/bin/env bash
# Fuzzes the NovaStar frame decoder with libFuzzer (swiftc -sanitize=fuzzer,address) for at least
# 1,000,000 inputs (RUNS, default 1000000) and prints how many ran. Seeds: the vectors of
# ../shared/protocols/novastar.md and simulator answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${RUNS:-1000000}"
out=".build/fuzz-led"
mkdir -p "$out/corpus"
# Seeds: control byte + frame bytes.
printf '\x05\x55\xAA\x00\x16\xFE\x00\x00\x00\x00\x00\x00\x00\x17\x00\x00\x02\x01\x00\x83\x56' > "$out/corpus/vector-read-signal"
printf '\x85\x55\xAA\x00\x00\xFE\xFF\x01\xFF\xFF\xFF\x01\x00\x01\x00\x00\x02\x01\x00\x80\xD5\x5A' > "$out/corpus/vector-write-brightness"
printf '\x07\xAA\x55\x00\x16\x00\xFE\x00\x00\x00\x00\x00\x00\x17\x00\x00\x02\x01\x00\x01\x84\x56' > "$out/corpus/answer-signal"
printf '\x47\xAA\x55\x00\x00\x00\xFE\x01\xFF\xFF\xFF\x01\x00\x01\x00\x00\x02\x01\x00\x56\x59' > "$out/corpus/write-ack"
echo "==> building the fuzzer (swiftc -sanitize=fuzzer,address)"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    Sources/WatchpostLED/Frame.swift Sources/WatchpostLED/Registers.swift bench/led/FuzzDecoder.swift \
    -o "$out/fuzz-novastar" 2>&1 | grep -v "Cannot export local symbol" || true
echo "==> running $RUNS inputs"
SWIFT_BACKTRACE=enable=no "$out/fuzz-novastar" -runs="$RUNS" -max_len=1024 -print_final_stats=1 "$out/corpus" 2>&1 | tee "$out/fuzz.log" | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|Done)" || true
ran=$(grep -E "^stat::number_of_executed_units" "$out/fuzz.log" | awk '{print $2}')
if grep -qE "ERROR|deadly signal|Fatal error" "$out/fuzz.log"; then echo "FUZZER FOUND A CRASH: see $out/fuzz.log"; exit 1; fi
echo "fuzz: ${ran:-?} inputs ran without a crash, a leak or an unbounded buffer"
