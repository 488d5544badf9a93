"""lossd compute: one job or a batch on stdin, the result on stdout."""
import json
import subprocess

from conftest import lossd_binary
from golden import CASES, check_result, job


def compute(args, document):
    return subprocess.run([lossd_binary(), "compute", *args], input=json.dumps(document).encode(),
                          capture_output=True, timeout=60)


def test_compute_one_golden_job_per_loss():
    seen = set()
    for case in CASES:
        if case["loss"] in seen:
            continue
        seen.add(case["loss"])
        run = compute([case["loss"]], job(case, "pytorch"))
        assert run.returncode == 0, run.stdout
        check_result(json.loads(run.stdout), case, "pytorch")


def test_compute_loss_member_and_batch():
    run = compute([], {"loss": "mse_loss", "input": [3.0], "target": [1.0]})
    assert run.returncode == 0 and json.loads(run.stdout)["value"] == 4.0
    run = compute([], {"jobs": [{"loss": "l1_loss", "input": [3.0], "target": [1.0]}, {"loss": "x", "input": [1], "target": [1]}]})
    assert run.returncode == 0
    results = json.loads(run.stdout)["results"]
    assert results[0]["value"] == 2.0 and results[1]["error"]["code"] == "UNKNOWN_LOSS"

    run = compute([], {"jobs": [0, 7]})
    assert run.returncode == 0
    assert [r["error"]["errors"][0]["pointer"] for r in json.loads(run.stdout)["results"]] == ["/jobs/0", "/jobs/1"]


def test_compute_error_exits_nonzero_with_the_problem():
    run = compute(["cross_entropy"], {"input": [[1.0, 2.0]], "target": [9]})
    assert run.returncode == 1
    body = json.loads(run.stdout)
    assert body["code"] == "TARGET_OUT_OF_RANGE" and body["errors"][0]["pointer"] == "/target/0"


def test_compute_every_golden_case_in_batches_in_both_modes():
    batch = 1024  # the default --max-batch-jobs
    for compat in ("pytorch", "safe"):
        for start in range(0, len(CASES), batch):
            cases = CASES[start:start + batch]
            run = compute([], {"jobs": [dict(job(case, compat), loss=case["loss"]) for case in cases]})
            assert run.returncode == 0
            results = json.loads(run.stdout)["results"]
            assert len(results) == len(cases)
            for case, result in zip(cases, results):
                assert "error" not in result, (case["name"], result.get("error"))
                check_result(result, case, compat)
