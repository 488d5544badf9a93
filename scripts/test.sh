#!/usr/bin/env bash
# The whole test suite: Swift unit and integration tests, then the Python end-to-end tests
# against the built lossd binary. Sets up what it needs (a Python venv in .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

# The module arrows of shared/DESIGN.md are enforced by the build.
swift build --build-tests --explicit-target-dependency-import-check error
swift test --skip-build --parallel

if [ -d Tests/e2e ] && ls Tests/e2e/test_*.py >/dev/null 2>&1; then
    scripts/python-env.sh
    swift build -c release --product lossd
    LOSSD_BIN="$(swift build -c release --show-bin-path)/lossd" .venv/bin/python -m pytest -q Tests/e2e
fi
