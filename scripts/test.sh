#!/usr/bin/env bash
# The whole test suite: Swift unit and integration tests, the Python end-to-end tests against
# the built lossd binary (schemathesis over openapi.yaml with every check among them, about 3
# minutes: LOSSD_SCHEMATHESIS_SECONDS, default 180), the Python client's tests (scripts/test-client-python.sh; torch with
# them unless LOSSD_CLIENT_TORCH=0), the deploy/ linters, and a short bounded fuzz pass over every parser
# of network input (LOSSD_FUZZ_SECONDS per target, default 20; 0 skips it). Sets up what it
# needs (Python venvs in .venv, .build/client-venv and .build/lint-venv). Long fuzz, load and benchmark runs are
# separate scripts (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

# The module arrows of shared/DESIGN.md are enforced by the build.
swift build --build-tests --explicit-target-dependency-import-check error
swift test --skip-build --parallel

scripts/python-env.sh
swift build -c release --product lossd
LOSSD_BIN="$(swift build -c release --show-bin-path)/lossd" .venv/bin/python -m pytest -q Tests/e2e
LOSSD_BIN="$(swift build -c release --show-bin-path)/lossd" scripts/test-client-python.sh

scripts/lint-deploy.sh

fuzz_seconds="${LOSSD_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" -gt 0 ]; then
    FuzzTesting/ci.sh "$fuzz_seconds"
fi
