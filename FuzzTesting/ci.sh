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
    log="$(mktemp)"
    status=0
    "$here/run.sh" "$name" "$seconds" > "$log" 2>&1 || status=$?
    grep -E '^(==|#[0-9]+\s+DONE|Done|stat::number_of_executed_units|.*ERROR|.*Test unit written)' "$log" || true
    # A target that does not build (or stops early) must fail too, not only one that crashes.
    if [ "$status" != 0 ] || ! grep -q '^Done [0-9]* runs' "$log"; then
        tail -40 "$log"
        echo "fuzz target $name failed (exit $status)"
        exit 1
    fi
    rm -f "$log"
done
