#!/usr/bin/env bash
# The one test command (README: `make test`; CI: .ci/run). Installs what it needs, builds with
# warnings as errors, and runs every test: unit, property, end-to-end against real peers.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES $TEST_PACKAGES

export WATCHPOST_SOURCE_ROOT="$PWD"
echo "==> build (warnings are errors)"
swift build -Xswiftc -warnings-as-errors -Xcc -Werror 2>&1 | tail -n 20
echo "==> swift test"
# The end-to-end suites start the built binaries; they find them through WATCHPOST_BIN_DIR.
export WATCHPOST_BIN_DIR="$(swift build --show-bin-path)"
# Suites run one after another: many of them time real servers, sockets and devices on the same
# two cores, and parallel suites would turn their deadlines into flakes (seen: 12 spurious
# timeouts in parallel, none serially; ~2 minutes either way).
set +e
swift test --no-parallel -Xswiftc -warnings-as-errors > .build/test-output.txt 2>&1
status=$?
set -e
grep -vE '^(\[[0-9]+/[0-9]+\]|Building|Compiling|Write|Emitting|◇ )' .build/test-output.txt | grep -E '✘|✔ Suite|SKIP|skip|Test run with|error:' | tail -n 120
if [ "$status" -ne 0 ]; then
    echo "==> failures (full output: .build/test-output.txt)"
    grep -E 'recorded an issue|error:' .build/test-output.txt | head -n 60
fi
exit "$status"
