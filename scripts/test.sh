#!/usr/bin/env bash
# The one test command (README: `make test`; CI: .ci/run). Installs what it needs, builds with
# warnings as errors, runs every test (unit, property, end-to-end against real peers) and ends
# with one line `N passed, N failed, N skipped` counting every test that ran, then each skipped
# test with its reason. With CI=true a skipped test fails the run: CI must run everything.
#
# One build, then six test processes at once, all from the same test binary: the pure suites
# (parallel inside their process; their CPU-heavy bodies run on threads of their own, see
# WatchpostTestSupport/OwnThread.swift, so Swift's two cooperative threads stay free for the tests
# that wait), the timer canary and four end-to-end lanes, each running its suites one after another. The end-to-end suites spend most of their time waiting on daemons,
# servers and browsers (a whole serial pass used 108 s of CPU in 530 s of wall time), so lanes
# overlap that waiting; inside a lane nothing runs beside its own daemons. A lane is a set of
# whole test targets, so tests that share a fixed resource (the umockdev harness folder, the
# chromium screenshots, the network namespaces) stay in one process.
# The test binary is run directly, not through `swift test`: SwiftPM locks .build for each
# `swift test`, so two of them wait for each other instead of running side by side.
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

# Pure test targets run in parallel. They start no devices and time nothing, with one exception
# kept here on purpose: WatchpostReportsTests also holds the Prometheus and console-across-boxes
# tests, which start daemons but wait only on conditions (samples recorded, answers cached), so
# running beside the parallel suites makes them slower, never wrong. Every other target runs in
# an end-to-end lane: WEB_LANE, MAIL_LANE and DEVICE_LANE by name, every other one (including any
# new target until it is listed) in the fourth lane. The lanes are cut so that their times are
# close (at load 4 the three-lane cut gave web 137 s, mail 157 s, other 174 s: the daemon suites
# and the broadcast daemon suites were the long ends of two lanes). On 25cee78 at load 4 the lanes
# took web 107, mail 95, device 134 and other 161 s, so the network suites (18 s) moved from the
# device lane to the web lane, and one suite of the daemon target, the escalation mail script
# (35 s), runs in the mail lane (MAIL_LANE_SUITE: a whole suite, named by its test id; renamed
# away, it simply stays in the fourth lane).
PURE="WatchpostCoreTests WatchpostConfigTests WatchpostStoreTests WatchpostIncidentTests WatchpostLEDTests WatchpostReportsTests"
WEB_LANE="WatchpostWebTests WatchpostNetworkTests"
MAIL_LANE="WatchpostMailTests WatchpostContentTests WatchpostFuzzTests"
MAIL_LANE_SUITE='^WatchpostDaemonTests\.EscalationMailTests/'
DEVICE_LANE="WatchpostPowerTests WatchpostBroadcastTests"

# Every test is a Swift Testing test: the binary below is run with --testing-library swift-testing,
# which would leave an XCTestCase out of the run without a word.
if grep -rlE 'class [A-Za-z0-9_]+ *: *XCTestCase' Tests >/dev/null 2>&1; then
    echo "FAIL: XCTestCase found in: $(grep -rlE 'class [A-Za-z0-9_]+ *: *XCTestCase' Tests | xargs)"
    echo "      write it with Swift Testing (import Testing, @Test): make test runs Swift Testing only"
    exit 1
fi

# What SwiftPM says of the package (its test targets, read below; where it puts the binaries) is
# asked at once: each question loads SwiftPM and the manifest again (3-10 s at load 11). Both wait
# for the build's lock on .build ("Another instance of SwiftPM … is already running", on stderr)
# and then answer side by side instead of one after the other.
swift package dump-package > "$out/dump-package.json" 2> "$out/dump-package.txt" & dump_pid=$!
swift build --show-bin-path > "$out/bin-path.txt" 2> "$out/bin-path-errors.txt" & bin_path_pid=$!

echo "==> build with tests (warnings are errors)"
build_started=$(date +%s)
swift build --build-tests -Xswiftc -warnings-as-errors -Xcc -Werror > "$out/build.txt" 2>&1 || {
    grep -E 'error|warning' "$out/build.txt" | head -n 40; tail -n 20 "$out/build.txt"; kill "$dump_pid" "$bin_path_pid" 2>/dev/null; exit 1; }
tail -n 1 "$out/build.txt"
build_seconds=$(( $(date +%s) - build_started ))

# The end-to-end suites start the built binaries; they find them through WATCHPOST_BIN_DIR.
wait "$bin_path_pid" || { echo "FAIL: swift build --show-bin-path: $(tail -n 5 "$out/bin-path-errors.txt")"; exit 1; }
export WATCHPOST_BIN_DIR="$(tail -n 1 "$out/bin-path.txt")"
test_binary="$WATCHPOST_BIN_DIR/WatchpostPackageTests.xctest"
[ -x "$test_binary" ] || { echo "FAIL: the test binary $test_binary was not built"; exit 1; }
# The test targets as SwiftPM itself reads Package.swift (a target declared over several lines or
# built by a helper function is still found, which a text search of Package.swift would miss).
# Every folder of Tests/ holding Swift sources must be one of the package's targets: otherwise its
# tests would be compiled by nothing and run in no lane, without a word.
wait "$dump_pid" || true
all_targets=$("$(debian_python)" -c '
import glob, json, os, sys
targets = json.load(sys.stdin)["targets"]
def folder(t):
    if t.get("path"): return os.path.normpath(t["path"])
    return os.path.join("Tests" if t["type"] == "test" else "Sources", t["name"])
folders = {folder(t) for t in targets}
orphans = sorted(d.rstrip("/") for d in glob.glob("Tests/*/")
                 if glob.glob(d + "**/*.swift", recursive=True) and os.path.normpath(d) not in folders)
for d in orphans:
    print("FAIL: %s holds Swift tests but is no target of Package.swift: they would run in no lane" % d, file=sys.stderr)
tests = [t["name"] for t in targets if t["type"] == "test"]
if orphans: sys.exit(2)
if not tests: sys.exit(1)
print(" ".join(tests))
' < "$out/dump-package.json") || { rc=$?; [ "$rc" = 2 ] || echo "FAIL: cannot list the test targets (swift package dump-package: $(tail -n 5 "$out/dump-package.txt"))"; exit 1; }
unit_targets="" web_targets="" mail_targets="" device_targets="" other_targets=""
for t in $all_targets; do
    case " $PURE " in *" $t "*) unit_targets="$unit_targets $t"; continue ;; esac
    case " $WEB_LANE " in *" $t "*) web_targets="$web_targets $t"; continue ;; esac
    case " $MAIL_LANE " in *" $t "*) mail_targets="$mail_targets $t"; continue ;; esac
    case " $DEVICE_LANE " in *" $t "*) device_targets="$device_targets $t"; continue ;; esac
    other_targets="$other_targets $t"
done
alternation() { echo "$*" | xargs -n1 | sed 's/.*/^&\\./' | paste -sd'|'; }
# Every test target runs in exactly one lane: a name in a lane list that is no test target (a
# renamed one) or a target in two lanes fails here, before anything runs.
for t in $PURE $WEB_LANE $MAIL_LANE $DEVICE_LANE; do
    case " $all_targets " in *" $t "*) ;; *) echo "FAIL: $t is named in a lane of scripts/test.sh but is no test target of Package.swift"; exit 1 ;; esac
done
for t in $all_targets; do
    lanes=0
    for lane in "$unit_targets" "$web_targets" "$mail_targets" "$device_targets" "$other_targets"; do
        case " $lane " in *" $t "*) lanes=$((lanes + 1)) ;; esac
    done
    [ "$lanes" -eq 1 ] || { echo "FAIL: test target $t is in $lanes lanes (must be exactly one)"; exit 1; }
done

# run_tests FILE ARGS…: one test process, its output in FILE (no colours: the counting below reads it).
# An empty lane (a target renamed away) must not turn into an empty filter, which runs everything:
# it leaves "0 tests", which the counting below reports as a failure.
run_tests() {
    local file=$1; shift
    if [ "${*: -1}" = "" ]; then echo "✘ Test run with 0 tests (no target in this lane)" > "$file"; return 1; fi
    NO_COLOR=1 "$test_binary" --testing-library swift-testing "$@" > "$file" 2>&1
}

# The parallel lane runs at most two test cases per core at once. Without a bound the testing
# library starts every test at once: each wake-up of a suspended test (a timer, a daemon's answer)
# then queues behind the first steps of hundreds of others on Swift's two cooperative threads. The
# timer canary measured it: a 100 ms Task.sleep woke 49 s late at load 20 with no bound, at most
# 198 ms late with the bound at load 15-19 (README, "Timer lateness").
# The bound is Swift Testing's --experimental-maximum-parallelization-width (6.3). An option the
# testing library does not know is ignored without a word, so ask first: with the width 0 a
# library that knows the option refuses the value ("Invalid value \"0\" for argument …"), one that
# does not lists the tests. Without the option the lane is bounded another way: its targets are
# shared out over as many processes as the bound, each running one test at a time.
width=$(( 2 * $(nproc) ))
width_option=--experimental-maximum-parallelization-width
width_probe=$("$test_binary" --testing-library swift-testing --list-tests "$width_option" 0 2>&1 || true)
# WATCHPOST_TEST_WITHOUT_WIDTH=1 takes the other way on purpose, to try it with a library that
# knows the option.
if [[ "$width_probe" == *"Invalid value \"0\" for argument $width_option"* ]] && [ "${WATCHPOST_TEST_WITHOUT_WIDTH:-}" != 1 ]; then
    unit_lanes=("$unit_targets")
    unit_outputs=("$out/unit.txt")
else
    if [ "${WATCHPOST_TEST_WITHOUT_WIDTH:-}" = 1 ]; then
        echo "==> WATCHPOST_TEST_WITHOUT_WIDTH=1: the unit suites run in $width processes, each one test at a time, as without $width_option"
    else
        echo "==> this Swift Testing has no $width_option: the unit suites run in $width processes, each one test at a time"
    fi
    unit_lanes=() unit_outputs=()
    i=0
    for t in $unit_targets; do unit_lanes[$((i % width))]="${unit_lanes[$((i % width))]:-} $t"; i=$((i + 1)); done
    for i in "${!unit_lanes[@]}"; do unit_outputs+=("$out/unit-$((i + 1)).txt"); done
fi
# The timer canary (WatchpostCoreTests) runs in a process of its own, started with the lanes: it
# watches the unit lane from the lanes' start until each unit process has printed its last line
# (or has ended), so it is told their output files, their process ids and when the lanes started.
canary='^WatchpostCoreTests\.TimerLatenessCanaryTests/'

status=0
if [ "${#unit_lanes[@]}" -eq 1 ]; then
    echo "==> at once: unit suites in parallel (at most $width test cases at a time):$unit_targets"
else
    echo "==> at once: unit suites, $width processes each one test at a time: $(printf '[%s ] ' "${unit_lanes[@]}")"
fi
echo "    end-to-end lanes, each one suite after another: [$web_targets ] [$mail_targets + $MAIL_LANE_SUITE ] [$device_targets ] [$other_targets ]"
t0=$(date +%s)
lanes_started=$(date +%s%3N)
pids=() unit_pids=()
for i in "${!unit_lanes[@]}"; do
    lane_options=(--no-parallel)
    [ "${#unit_lanes[@]}" -eq 1 ] && lane_options=("$width_option" "$width")
    run_tests "${unit_outputs[$i]}" "${lane_options[@]}" --skip "$canary" --filter "$(alternation ${unit_lanes[$i]})" & pids+=($!) unit_pids+=($!)
done
WATCHPOST_CANARY_LANE_OUTPUTS=$(printf "$PWD/%s:" "${unit_outputs[@]}") WATCHPOST_CANARY_LANE_PIDS="${unit_pids[*]}" \
    WATCHPOST_CANARY_LANES_STARTED="$lanes_started" run_tests "$out/canary.txt" --filter "$canary" & pids+=($!)
run_tests "$out/e2e-web.txt" --no-parallel --filter "$(alternation $web_targets)" & pids+=($!)
run_tests "$out/e2e-mail.txt" --no-parallel --filter "$(alternation $mail_targets)|$MAIL_LANE_SUITE" & pids+=($!)
run_tests "$out/e2e-device.txt" --no-parallel --filter "$(alternation $device_targets)" & pids+=($!)
run_tests "$out/e2e-other.txt" --no-parallel --skip "$MAIL_LANE_SUITE" --filter "$(alternation $other_targets)" & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
test_seconds=$(( $(date +%s) - t0 ))

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
    counted_before = len(passed) + len(failed) + len(skipped)
    for i, line in enumerate(lines):
        if re.match(r"^[✔✘] Test run with ", line): continue
        m = re.match(r"^✔ Test (.+?) (with \d+ test cases? )?passed after [0-9.]+ seconds?(?: with \d+ warnings?)?\.$", line)
        if m: passed.append(m.group(1)); continue
        m = re.match(r"^✘ Test (.+?) (with \d+ test cases? )?failed after [0-9.]+ seconds?", line)
        if m: failed.append(m.group(1)); continue
        m = re.match(r"^━ Test (.+?) (with \d+ test cases? )?passed after .*known issue", line)
        if m: skipped.append((m.group(1), "passed only with a known issue (withKnownIssue)")); continue
        m = re.match(r'^➜ Test (.+?) skipped(?:: "(.*)"|\.)?$', line)
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
    # Every test the run announces must have a verdict counted above: a line shape this counter
    # does not know (a new Swift Testing wording) fails the run instead of hiding a test.
    counted_here = len(passed) + len(failed) + len(skipped) - counted_before
    announced = [int(m.group(1)) for m in (re.match(r"^[✔✘] Test run with (\d+) tests?", l) for l in lines) if m]
    if announced and announced[-1] != counted_here:
        failed.append("%s: the run announced %d tests but %d verdicts were read (see the file)" % (path, announced[-1], counted_here))
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
outputs=("${unit_outputs[@]}" "$out/canary.txt" "$out/e2e-web.txt" "$out/e2e-mail.txt" "$out/e2e-device.txt" "$out/e2e-other.txt")
summary=$(python_count "${outputs[@]}")

echo "==> failures (full output: ${outputs[*]})"
grep -hE '^✘ Test .* recorded an issue|^↳ |error: ' "${outputs[@]}" | grep -vE '^↳ (Testing Library Version|Target Platform|//)' | head -n 80 || true
skips=$(echo "$summary" | grep -c '^SKIPPED ' || true)
fails=$(echo "$summary" | grep -c '^FAILED ' || true)
echo "$summary" | grep -E '^(FAILED|SKIPPED) ' || true
total_seconds=$(( $(date +%s) - started ))
lane_seconds() { sed -nE 's/^[✔✘] Test run with .* (passed|failed) after ([0-9]+)\.[0-9]+ seconds.*/\2/p' "$1" | tail -n 1; }
echo "==> times: build ${build_seconds}s, tests ${test_seconds}s (unit $(for f in "${unit_outputs[@]}"; do lane_seconds "$f"; done | paste -sd/)s, lanes web $(lane_seconds "$out/e2e-web.txt")s, mail $(lane_seconds "$out/e2e-mail.txt")s, device $(lane_seconds "$out/e2e-device.txt")s, other $(lane_seconds "$out/e2e-other.txt")s), total ${total_seconds}s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Where the time goes: the slowest tests of the end-to-end lanes, which run one test at a time (a
# lane's time is about the sum of its own; in the parallel lane a test's time also counts its wait
# for a free place, so its figures would say nothing).
"$(debian_python)" - "${outputs[@]:$(( ${#unit_outputs[@]} + 1 ))}" <<'PY' || true
import re, sys
rows = []
for path in sys.argv[1:]:
    lane = path.rsplit("/", 1)[-1][:-4]
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^[✔✘] Test (.+?) (?:with \d+ test cases? )?(?:passed|failed) after ([0-9.]+) seconds", line)
        if m and not m.group(1).startswith("run with"): rows.append((float(m.group(2)), lane, m.group(1)[:100]))
print("==> slowest tests: " + "; ".join("%.0f s %s %s" % r for r in sorted(rows, reverse=True)[:10]))
PY
# How late a 100 ms timer fired during the run, watched from the lanes' start to the unit lane's end
# (TimerLatenessCanaryTests in its own process).
grep -h '^timer lateness' "$out/canary.txt" | sed 's/^/==> /' || true
[ "$fails" -eq 0 ] || status=1
# Any CI value but empty, "0" or "false" counts (runners set CI=true, CI=1, …).
if [ -n "${CI:-}" ] && [ "${CI}" != "0" ] && [ "${CI}" != "false" ] && [ "$skips" -gt 0 ]; then
    echo "==> CI=true: $skips skipped test(s) fail the run (CI must run everything)"
    status=1
fi
echo "$summary" | tail -n 1
exit "$status"
