#!/usr/bin/env bash
# Creates .venv with the Python test tools (never torch: golden vectors are committed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || ! cmp -s Tests/e2e/requirements.txt .venv/.requirements 2>/dev/null; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -r Tests/e2e/requirements.txt
    cp Tests/e2e/requirements.txt .venv/.requirements
fi
