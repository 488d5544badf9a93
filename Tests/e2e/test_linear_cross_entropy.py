"""linear_cross_entropy through the real server: every golden case in JSON (both compat modes),
representative cases in safetensors (same tensor names in and out) and in a batch, its 422s, and
the README's worked example (a user's nn.Linear(2, 4) with CrossEntropyLoss against NLLLoss on the
raw outputs), whose torch numbers generate_golden_linear_ce.py stored in golden_linear_ce.json."""
import json

import numpy as np
import pytest
from safetensors.numpy import load, save

from conftest import GOLDEN_DIR
from golden import CASES, as_array, assert_close, check_result, expected, gradient_names, job, tensors

LCE = [c for c in CASES if c["loss"] == "linear_cross_entropy"]
NUMPY = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
with open(GOLDEN_DIR / "golden_linear_ce.json") as f:
    WORKED = json.load(f)["worked_example"]


def test_every_golden_case_over_json(http, url):
    assert len(LCE) > 100
    for compat in ("pytorch", "safe"):
        for case in LCE:
            r = http.post(f"{url}/v1/loss/linear_cross_entropy", json=job(case, compat))
            assert r.status_code == 200, (case["name"], r.text)
            result = r.json()
            assert [k for k in result if k.startswith("grad")] == gradient_names(case)
            check_result(result, case, compat)


SAMPLED = [c for c in LCE if any(tag in c["name"] for tag in ("2d/softcap/T", "kdim1/mean", "3d/shift/num_items",
                                                               "2d/bias/sum", "2d/nobias/none"))]


@pytest.mark.parametrize("case", SAMPLED, ids=lambda c: c["name"])
def test_safetensors_same_names_in_and_out(http, url, case):
    options = dict(case["options"], compat="pytorch")
    query = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in options.items())
    body = save({name: as_array(t, NUMPY[t["dtype"]]) for name, t in tensors(case).items()})
    r = http.post(f"{url}/v1/loss/linear_cross_entropy?{query}", data=body,
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    out = load(r.content)
    want = expected(case, "pytorch")
    assert sorted(k for k in out if k.startswith("grad")) == sorted(gradient_names(case))
    assert_close(out["value"], as_array(want["value"], np.float64), case["dtype"], "value", "linear_cross_entropy")
    for name in gradient_names(case):
        assert out[name].dtype == NUMPY[case["dtype"]]
        assert_close(out[name], as_array(want[name], np.float64), case["dtype"], name, "linear_cross_entropy")


def test_batch_route(http, url):
    r = http.post(f"{url}/v1/batch", json={"jobs": [dict(job(c, "pytorch"), loss=c["loss"]) for c in SAMPLED]})
    assert r.status_code == 200, r.text
    for case, result in zip(SAMPLED, r.json()["results"]):
        check_result(result, case, "pytorch")


def test_catalogue_lists_it(http, url):
    losses = {loss["name"]: loss for loss in http.get(f"{url}/v1/losses").json()["losses"]}
    lce = losses["linear_cross_entropy"]
    assert lce["gradients"] == ["grad", "grad_linear_weight", "grad_linear_bias"]
    assert {"softcap", "memory_budget", "filter_gradient", "class_dim", "shift"} <= {o["name"] for o in lce["options"]}


X = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]
W = [[0.1 * (i + j) for j in range(4)] for i in range(5)]


@pytest.mark.parametrize("body, code, pointer", [
    ({"input": [[0.1, 0.2, 0.3]] * 2, "linear_weight": W, "target": [0, 1]}, "SHAPE_MISMATCH", "/input"),
    ({"input": X, "linear_weight": W, "linear_bias": [0.0] * 6, "target": [0, 1]}, "SHAPE_MISMATCH", "/linear_bias"),
    ({"input": X, "linear_weight": W, "weight": [1.0] * 4, "target": [0, 1]}, "SHAPE_MISMATCH", "/weight"),
    ({"input": X, "linear_weight": W, "target": [0, 5]}, "TARGET_OUT_OF_RANGE", "/target/1"),
    ({"input": [X], "linear_weight": W, "target": [[0, 1]]}, "SHAPE_MISMATCH", "/input"),
])
def test_bad_input_is_422_with_pointer(http, url, body, code, pointer):
    r = http.post(f"{url}/v1/loss/linear_cross_entropy", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == code and problem["errors"][0]["pointer"] == pointer, problem


def test_huge_declared_shape_is_rejected_not_allocated(http, url):
    body = {"input": {"shape": [1 << 30, 1 << 30], "data": [1.0]}, "linear_weight": {"shape": [1 << 31, 1 << 30],
            "data": [1.0]}, "target": [0]}
    r = http.post(f"{url}/v1/loss/linear_cross_entropy", json=body)
    assert r.status_code in (413, 422), r.text
    assert http.get(f"{url}/healthz").status_code == 200


def test_worked_example_cross_entropy_gradients_equal_torch(http, url):
    """linear_cross_entropy returns nn.Linear's weight.grad and bias.grad under CrossEntropyLoss."""
    r = http.post(f"{url}/v1/loss/linear_cross_entropy", json={
        "input": WORKED["input"], "linear_weight": WORKED["linear_weight"], "linear_bias": WORKED["linear_bias"],
        "target": WORKED["target"]})
    assert r.status_code == 200, r.text
    result = r.json()
    torch_ce = WORKED["cross_entropy"]
    np.testing.assert_allclose(result["value"], torch_ce["loss"], rtol=1e-6)
    np.testing.assert_allclose(result["grad_linear_weight"], torch_ce["weight_grad"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result["grad_linear_bias"], torch_ce["bias_grad"], rtol=1e-5, atol=1e-7)


def test_worked_example_nll_on_raw_outputs_warns_and_explains_the_gradients(http, url):
    """NLLLoss on raw linear outputs: lossd's gradient with respect to the outputs is -1 at the target
    only (so weight.grad is -x in the target's row, as torch gives) and it says why:
    INPUT_NOT_LOG_PROBABILITIES. cross_entropy on the same outputs gives softmax - onehot instead."""
    x = np.array(WORKED["input"], dtype=np.float32)
    w = np.array(WORKED["linear_weight"], dtype=np.float32)
    raw = x @ w.T + np.array(WORKED["linear_bias"], dtype=np.float32)
    nll = http.post(f"{url}/v1/loss/nll_loss", json={"input": raw.tolist(), "target": WORKED["target"]}).json()
    codes = [w["code"] for w in nll["diagnostics"]["warnings"]]
    assert "INPUT_NOT_LOG_PROBABILITIES" in codes
    g = np.array(nll["grad"])
    torch_nll = WORKED["nll_loss_on_raw_outputs"]
    np.testing.assert_allclose(nll["value"], torch_nll["loss"], rtol=1e-6)
    np.testing.assert_allclose(g.T @ x, torch_nll["weight_grad"], rtol=1e-6)
    np.testing.assert_allclose(g.sum(axis=0), torch_nll["bias_grad"], rtol=1e-6)
    ce = np.array(http.post(f"{url}/v1/loss/cross_entropy", json={"input": raw.tolist(), "target": WORKED["target"]})
                  .json()["grad"])
    np.testing.assert_allclose(ce.T @ x, WORKED["cross_entropy"]["weight_grad"], rtol=1e-5, atol=1e-7)
