"""safetensors request and response bodies on POST /v1/loss/{name}."""
import json

import numpy as np
import pytest
from safetensors.numpy import load, save

from golden import CASES, as_array, assert_close, expected, gradient_names, tensors

NUMPY = {"float32": np.float32, "float64": np.float64, "int64": np.int64}


def st_body(case):
    return save({k: as_array(t, NUMPY[t["dtype"]]) for k, t in tensors(case).items()})


def query(case, compat):
    options = dict(case.get("options", {}), compat=compat)
    return "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in options.items())


@pytest.mark.parametrize("case", CASES[::7], ids=lambda c: c["name"])
def test_golden_case_round_trips_through_safetensors(http, url, case):
    r = http.post(f"{url}/v1/loss/{case['loss']}?{query(case, 'pytorch')}", data=st_body(case),
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/octet-stream"
    answer = load(r.content)
    want = expected(case, "pytorch")
    assert answer["grad"].dtype == NUMPY[case["dtype"]]
    assert_close(answer["value"], as_array(want["value"], np.float64), case["dtype"], "value")
    for name in gradient_names(case):
        assert_close(answer[name], as_array(want[name], np.float64), case["dtype"], name)


def test_diagnostics_ride_in_the_metadata(http, url):
    from safetensors import safe_open
    import tempfile
    body = save({"input": np.array([[1.0, 2.0]], dtype=np.float32), "target": np.array([-100], dtype=np.int64)})
    r = http.post(url + "/v1/loss/cross_entropy", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    with tempfile.NamedTemporaryFile(suffix=".safetensors") as f:
        f.write(r.content)
        f.flush()
        with safe_open(f.name, "np") as st:
            diagnostics = json.loads(st.metadata()["diagnostics"])
    assert "ALL_TARGETS_IGNORED" in [w["code"] for w in diagnostics["warnings"]]


def test_large_float32_answer_with_the_gradient_written_in_place_reads_back(http, url):
    # A gradient of 1.6 MB is written by the kernel straight into the answer, behind a header
    # padded with spaces; the reference library reads it, and it is softmax - onehot over N.
    rng = np.random.default_rng(11)
    x = rng.standard_normal((8, 50257)).astype(np.float32)
    t = rng.integers(0, 50257, size=8).astype(np.int64)
    r = http.post(url + "/v1/loss/cross_entropy", data=save({"input": x, "target": t}),
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    assert int.from_bytes(r.content[:8], "little") == 2040  # the header room
    tensors = load(r.content)
    z = x.astype(np.float64)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    value = -np.log(p[np.arange(8), t]).mean()
    grad = p.copy()
    grad[np.arange(8), t] -= 1
    grad /= 8
    assert tensors["grad"].dtype == np.float32 and tensors["grad"].shape == (8, 50257)
    assert np.allclose(tensors["grad"], grad, rtol=1e-4, atol=1e-9)
    assert abs(float(tensors["value"]) - value) < 1e-5 * value


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_inputs_are_widened(http, url, dtype):
    import ml_dtypes  # ships with tritonclient; numpy has no bfloat16 of its own
    np_dtype = np.float16 if dtype == "float16" else ml_dtypes.bfloat16
    x = np.array([[0.1, 2.0, -1.0]], dtype=np_dtype)
    body = save({"input": x, "target": np.array([1], dtype=np.int32)})
    r = http.post(url + "/v1/loss/cross_entropy", data=body,
                  headers={"Content-Type": "application/octet-stream", "Accept": "application/json"})
    assert r.status_code == 200, r.text
    logits = x.astype(np.float32)[0].astype(np.float64)
    wanted = np.log(np.exp(logits).sum()) - logits[1]
    assert abs(r.json()["value"] - wanted) < 1e-6


def test_uint8_targets_are_class_indices(http, url):
    body = save({"input": np.zeros((2, 3), dtype=np.float32), "target": np.array([2, 0], dtype=np.uint8)})
    r = http.post(url + "/v1/loss/nll_loss?reduction=sum", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    assert load(r.content)["value"] == 0.0


def test_invalid_safetensors_is_malformed_request(http, url):
    r = http.post(url + "/v1/loss/mse_loss", data=b"\x10\x00\x00\x00\x00\x00\x00\x00{}",
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and r.json()["code"] == "MALFORMED_REQUEST"


def test_missing_tensor_points_at_its_name(http, url):
    body = save({"input": np.zeros((2,), dtype=np.float32)})
    r = http.post(url + "/v1/loss/mse_loss", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and r.json()["errors"][0]["pointer"] == "/target"


def test_element_errors_point_at_the_flat_index(http, url):
    body = save({"input": np.zeros((2, 3), dtype=np.float32), "target": np.array([1, 5], dtype=np.int64)})
    r = http.post(url + "/v1/loss/cross_entropy", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 422
    assert r.json()["code"] == "TARGET_OUT_OF_RANGE" and r.json()["errors"][0]["pointer"] == "/target/1"
