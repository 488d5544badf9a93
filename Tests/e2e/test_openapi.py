"""openapi.yaml against the running server: the spec validates, and schemathesis (property-based
requests generated from the spec: examples, coverage, fuzzing and stateful phases) finds no
answer that the spec does not describe."""
import subprocess
import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from conftest import REPO

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "unsupported_method", "allow_header_conformance", "missing_required_header",
])


def test_spec_is_valid_openapi():
    validate(yaml.safe_load((REPO / "openapi.yaml").read_text()))


def test_schemathesis_finds_no_mismatch(lossd, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(schemathesis), "run", str(REPO / "openapi.yaml"), "--url", lossd.url,
         "--checks", CHECKS, "--max-examples", "25", "--seed", "1", "--generation-database", "none",
         "--request-timeout", "10", "--no-color"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
