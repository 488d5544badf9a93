"""openapi.yaml against the running server: the spec validates, and schemathesis (property-based
requests generated from the spec: examples, coverage, fuzzing and stateful phases) runs every
check it has (`--checks all`, positive-data acceptance included) and finds nothing.

Bounds: LOSSD_SCHEMATHESIS_EXAMPLES examples per operation (default 10) and
LOSSD_SCHEMATHESIS_SECONDS for the whole run (default 180), which keep it within about 3 to 4
minutes of the test suite. Tests/e2e/schemathesis_settings/ holds its settings
(schemathesis.toml) and the custom check (hooks.py) for the rules JSON Schema cannot state; the
summary is printed (`pytest -s`) and kept in .build/e2e-output/schemathesis.txt."""
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from conftest import REPO

SETTINGS = REPO / "Tests" / "e2e" / "schemathesis_settings"


def test_spec_is_valid_openapi():
    validate(yaml.safe_load((REPO / "openapi.yaml").read_text()))


def test_schemathesis_finds_nothing(lossd, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    examples = os.environ.get("LOSSD_SCHEMATHESIS_EXAMPLES", "10")
    seconds = os.environ.get("LOSSD_SCHEMATHESIS_SECONDS", "180")
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(SETTINGS))
    # Every check schemathesis has; none is excluded.
    run = subprocess.run(
        [str(schemathesis), "--config-file", str(SETTINGS / "schemathesis.toml"), "run", str(REPO / "openapi.yaml"),
         "--url", lossd.url, "--checks", "all", "--max-examples", examples, "--max-time", seconds,
         "--seed", "1", "--generation-database", "none", "--request-timeout", "10", "--no-color"],
        cwd=tmp_path, capture_output=True, text=True, timeout=int(seconds) + 300, env=env)
    output = Path(os.environ.get("LOSSD_E2E_OUTPUT", REPO / ".build" / "e2e-output"))
    output.mkdir(parents=True, exist_ok=True)
    (output / "schemathesis.txt").write_text(run.stdout + run.stderr)
    summary = run.stdout[run.stdout.rfind("SUMMARY"):]
    print("\n" + summary)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert re.search(r"Tested: \d+", summary) and "Failures:" not in summary
