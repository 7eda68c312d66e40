#!/usr/bin/env bash
# The one test command (README: `make test`; CI: .ci/run). Installs what it needs, builds with
# warnings as errors, runs every test (unit, property, end-to-end against real peers) and ends
# with one line `N passed, N failed, N skipped` counting every test that ran, then each skipped
# test with its reason. With CI=true a skipped test fails the run: CI must run everything.
#
# Two `swift test` runs share one build: the pure suites in parallel (they time nothing), then
# the end-to-end suites one after another (they start daemons, servers, browsers and time them on
# the same two cores, where parallel runs would turn their deadlines into flakes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
started=$(date +%s)
ensure_packages $BUILD_PACKAGES $TEST_PACKAGES

export WATCHPOST_SOURCE_ROOT="$PWD"
# Package.swift leaves the benchmark programs out of this build (nothing tests them).
export WATCHPOST_NO_BENCH=1
out=.build/test-output
mkdir -p "$out"
rm -f "$out"/*.txt

# Pure test targets (no daemons, servers, devices or timed waits) run in parallel; every other
# target, including any new one until it is listed here, runs serially.
PURE="WatchpostCoreTests WatchpostConfigTests WatchpostStoreTests WatchpostIncidentTests WatchpostLEDTests WatchpostReportsTests"

echo "==> build with tests (warnings are errors)"
build_started=$(date +%s)
swift build --build-tests -Xswiftc -warnings-as-errors -Xcc -Werror > "$out/build.txt" 2>&1 || {
    grep -E 'error|warning' "$out/build.txt" | head -n 40; tail -n 20 "$out/build.txt"; exit 1; }
tail -n 1 "$out/build.txt"
build_seconds=$(( $(date +%s) - build_started ))

# The end-to-end suites start the built binaries; they find them through WATCHPOST_BIN_DIR.
export WATCHPOST_BIN_DIR="$(swift build --show-bin-path)"
all_targets=$(sed -n 's/.*\.testTarget(name: "\([A-Za-z0-9_]*\)".*/\1/p' Package.swift)
unit_targets="" END_TO_END=""
for t in $all_targets; do
    case " $PURE " in *" $t "*) unit_targets="$unit_targets $t" ;; *) END_TO_END="$END_TO_END $t" ;; esac
done
alternation() { echo "$*" | xargs -n1 | sed 's/.*/^&\\./' | paste -sd'|'; }

status=0
echo "==> unit suites in parallel:$unit_targets"
t0=$(date +%s)
swift test --skip-build --filter "$(alternation $unit_targets)" > "$out/unit.txt" 2>&1 || status=1
unit_seconds=$(( $(date +%s) - t0 ))
echo "==> end-to-end suites one after another:$END_TO_END"
t0=$(date +%s)
swift test --skip-build --no-parallel --filter "$(alternation $END_TO_END)" > "$out/e2e.txt" 2>&1 || status=1
e2e_seconds=$(( $(date +%s) - t0 ))

# Counting. Swift Testing prints one final line per test: "✔ Test x() passed after…",
# "✘ Test x() failed after…", "➜ Test x() skipped: "reason"", "➜ Test x() was cancelled…",
# "━ Test x() passed after… with N known issues" (counted as skipped: it did not really pass).
# XCTest prints "Test Case 'C.test' passed|failed|skipped (…)", the reason on the line before.
python_count() {
    "$(debian_python)" - "$@" <<'PY'
import re, sys
passed, failed, skipped = [], [], []
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[✔✘] Test run with ", line): continue
        m = re.match(r"^✔ Test (.+?) (with \d+ test cases? )?passed after [0-9.]+ seconds?\.$", line)
        if m: passed.append(m.group(1)); continue
        m = re.match(r"^✘ Test (.+?) (with \d+ test cases? )?failed after [0-9.]+ seconds?", line)
        if m: failed.append(m.group(1)); continue
        m = re.match(r"^━ Test (.+?) (with \d+ test cases? )?passed after .*known issue", line)
        if m: skipped.append((m.group(1), "passed only with a known issue (withKnownIssue)")); continue
        m = re.match(r'^➜ Test (.+?) skipped(?:: "(.*)")?$', line)
        if m: skipped.append((m.group(1), m.group(2) or "disabled")); continue
        m = re.match(r'^➜ Test (.+?) was cancelled(?: after [0-9.]+ seconds?)?(?:: "(.*)")?', line)
        if m: skipped.append((m.group(1), "cancelled: " + (m.group(2) or "no reason given"))); continue
        m = re.match(r"^Test Case '(.+)' (passed|failed|skipped) \(", line)
        if m:
            name, verdict = m.group(1), m.group(2)
            if verdict == "passed": passed.append(name)
            elif verdict == "failed": failed.append(name)
            else:
                why = re.search(r"Test skipped(?: - (.*))?$", lines[i - 1]) if i > 0 else None
                skipped.append((name, (why.group(1) if why and why.group(1) else "XCTSkip")))
    # A test process that died leaves its running tests without a verdict: say so.
    if not any(re.match(r"^[✔✘] Test run with", l) for l in lines):
        failed.append("%s: the test run did not finish (crash or build failure; see the file)" % path)
    elif any(re.match(r"^[✔✘] Test run with 0 tests", l) for l in lines):
        failed.append("%s: no test matched the filter (a renamed target?)" % path)
for name in failed: print("FAILED " + name)
for name, why in skipped: print("SKIPPED %s — %s" % (name, why))
print("%d passed, %d failed, %d skipped" % (len(passed), len(failed), len(skipped)))
PY
}
summary=$(python_count "$out/unit.txt" "$out/e2e.txt")

echo "==> failures (full output: $out/unit.txt, $out/e2e.txt)"
grep -hE '^✘ Test .* recorded an issue|^↳ |error: ' "$out/unit.txt" "$out/e2e.txt" | grep -vE '^↳ (Testing Library Version|Target Platform|//)' | head -n 80 || true
skips=$(echo "$summary" | grep -c '^SKIPPED ' || true)
fails=$(echo "$summary" | grep -c '^FAILED ' || true)
echo "$summary" | grep -E '^(FAILED|SKIPPED) ' || true
total_seconds=$(( $(date +%s) - started ))
echo "==> times: build ${build_seconds}s, unit ${unit_seconds}s, end-to-end ${e2e_seconds}s, total ${total_seconds}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$fails" -eq 0 ] || status=1
if [ "${CI:-}" = "true" ] && [ "$skips" -gt 0 ]; then
    echo "==> CI=true: $skips skipped test(s) fail the run (CI must run everything)"
    status=1
fi
echo "$summary" | tail -n 1
exit "$status"
