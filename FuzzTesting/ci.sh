#!/usr/bin/env bash
# Short bounded fuzz pass for CI: every target under Sources/ for SECONDS each (default 60),
# after replaying its FailCases/. Fails on any crash, old or new.
#   FuzzTesting/ci.sh [seconds]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-60}"
export SWIFT_BACKTRACE=enable=no   # let ASan/libFuzzer report crashes themselves
for dir in "$here"/Sources/*/; do
    name="$(basename "$dir")"
    echo "== fuzzing $name for ${seconds}s"
    "$here/run.sh" "$name" "$seconds" 2>&1 | grep -E '^(==|#[0-9]+\s+DONE|Done|stat::number_of_executed_units|.*ERROR|.*Test unit written)' || true
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz target $name failed"; exit 1; }
done
