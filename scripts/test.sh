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
swift test -Xswiftc -warnings-as-errors 2>&1 | tee .build/test-output.txt | grep -vE '^(\[[0-9]+/[0-9]+\]|Building|Compiling|Write|Emitting)' | tail -n 80
status=${PIPESTATUS[0]}
exit "$status"
