"""The margin and embedding losses (hinge_embedding, soft_margin, multilabel_soft_margin,
multilabel_margin, multi_margin, cosine_embedding, triplet_margin, triplet_margin_with_distance)
through the real server in each wire format: JSON, safetensors and OIP v2 (tritonclient), with
every gradient (`grad`, `grad_NAME`) checked against the PyTorch golden vectors; and their
422s and warnings."""
import numpy as np
import pytest
import tritonclient.http as httpclient
from safetensors.numpy import load, save

from golden import CASES, as_array, assert_close, check_result, expected, gradient_names, job, tensors

LOSSES = ["hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
          "multi_margin_loss", "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss"]
NUMPY = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
OIP_TYPES = {"float32": "FP32", "float64": "FP64", "int64": "INT64"}


def representative(loss):
    """A reduced case of `loss` per dtype, with as many options set as any."""
    chosen = []
    for dtype in ("float32", "float64"):
        cases = [c for c in CASES if c["loss"] == loss and c["dtype"] == dtype
                 and c["options"].get("reduction", "mean") != "none"]
        chosen.append(max(cases, key=lambda c: len(c["options"])))
    return chosen


SAMPLED = [c for loss in LOSSES for c in representative(loss)]


def arrays(case):
    return {name: as_array(t, NUMPY[t["dtype"]]) for name, t in tensors(case).items()}


@pytest.mark.parametrize("case", SAMPLED, ids=lambda c: c["name"])
def test_json_returns_every_gradient(http, url, case):
    r = http.post(f"{url}/v1/loss/{case['loss']}", json=job(case, "pytorch"))
    assert r.status_code == 200, r.text
    result = r.json()
    assert [k for k in result if k.startswith("grad")] == gradient_names(case)
    check_result(result, case, "pytorch")


@pytest.mark.parametrize("case", SAMPLED, ids=lambda c: c["name"])
def test_safetensors_round_trip(http, url, case):
    options = dict(case["options"], compat="pytorch")
    query = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in options.items())
    r = http.post(f"{url}/v1/loss/{case['loss']}?{query}", data=save(arrays(case)),
                  headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    out = load(r.content)
    want = expected(case, "pytorch")
    assert sorted(k for k in out if k.startswith("grad")) == sorted(gradient_names(case))
    assert_close(out["value"], as_array(want["value"], np.float64), case["dtype"], "value")
    for name in gradient_names(case):
        assert out[name].dtype == NUMPY[case["dtype"]]
        assert_close(out[name], as_array(want[name], np.float64), case["dtype"], name)


@pytest.fixture(scope="module")
def client(lossd):
    with httpclient.InferenceServerClient(f"127.0.0.1:{lossd.port}") as c:
        yield c


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
@pytest.mark.parametrize("case", SAMPLED, ids=lambda c: c["name"])
def test_oip_v2_via_tritonclient(client, case, binary):
    inputs = []
    for name, array in arrays(case).items():
        tensor = httpclient.InferInput(name, list(array.shape), OIP_TYPES[str(array.dtype)])
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    names = gradient_names(case)
    outputs = [httpclient.InferRequestedOutput(n, binary_data=binary) for n in ["value"] + names]
    result = client.infer(case["loss"], inputs, outputs=outputs, parameters=dict(case["options"], compat="pytorch"))
    want = expected(case, "pytorch")
    assert_close(result.as_numpy("value"), as_array(want["value"], np.float64), case["dtype"], "value")
    for name in names:
        assert_close(result.as_numpy(name), as_array(want[name], np.float64), case["dtype"], name)


@pytest.mark.parametrize("loss", LOSSES)
def test_oip_metadata_names_every_tensor_and_gradient(client, loss):
    model = client.get_model_metadata(loss)
    case = next(c for c in CASES if c["loss"] == loss)
    assert set(tensors(case)) <= {i["name"] for i in model["inputs"]}
    assert [o["name"] for o in model["outputs"]] == ["value"] + gradient_names(case)


@pytest.mark.parametrize("loss, body, code, pointer", [
    ("hinge_embedding_loss", {"input": [1.0, 2.0], "target": [1, 0.5]}, "INVALID_TENSOR", "/target/1"),
    ("soft_margin_loss", {"input": [[1.0, 2.0]], "target": [[1, 0]]}, "INVALID_TENSOR", "/target/0/1"),
    ("cosine_embedding_loss", {"input1": [[1.0, 2.0]], "input2": [[1.0, 0.0]], "target": [2]}, "INVALID_TENSOR",
     "/target/0"),
    ("multi_margin_loss", {"input": [[1.0, 2.0], [0.0, 1.0]], "target": [1, 2]}, "TARGET_OUT_OF_RANGE", "/target/1"),
    ("multilabel_margin_loss", {"input": [[1.0, 2.0, 3.0]], "target": [[0, -2, -1]]}, "TARGET_OUT_OF_RANGE",
     "/target/0/1"),
    ("triplet_margin_loss", {"anchor": [[1.0]], "positive": [[2.0]], "negative": [[0.0]], "options": {"margin": 0}},
     "INVALID_OPTION", "/options/margin"),
    ("multi_margin_loss", {"input": [[1.0, 2.0]], "target": [1], "options": {"p": 3}}, "INVALID_OPTION", "/options/p"),
    ("triplet_margin_with_distance_loss", {"anchor": [[1.0]], "positive": [[2.0]], "negative": [[0.0]],
                                           "options": {"distance": "manhattan"}}, "INVALID_OPTION", "/options/distance"),
])
def test_bad_values_are_422_naming_the_element(http, url, loss, body, code, pointer):
    r = http.post(f"{url}/v1/loss/{loss}", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == code
    assert pointer in [e["pointer"] for e in problem["errors"]]


def warnings(result):
    return {w["code"]: w for w in result["diagnostics"]["warnings"]}


def test_zero_norm_vectors_warn_and_keep_pytorchs_numbers(http, url):
    body = {"input1": [[0.0, 0.0], [1.0, 2.0]], "input2": [[1.0, 2.0], [2.0, 1.0]], "target": [1, -1],
            "options": {"dtype": "float64", "reduction": "sum"}}
    result = http.post(f"{url}/v1/loss/cosine_embedding_loss", json=body).json()
    assert warnings(result)["ZERO_NORM_VECTOR"]["count"] == 1 and warnings(result)["ZERO_NORM_VECTOR"]["examples"] == [0]
    # PyTorch: cos(0, b) = 0 through its float 1e-12 epsilon, and a gradient of -b / sqrt(1e-12 |b|^2)
    e = float(np.float32(1e-12))
    assert result["grad"][0][0] == pytest.approx(-1.0 / np.sqrt(e * (5 + e)), rel=1e-12)
    assert result["value"] == pytest.approx(1.0 + 4.0 / np.sqrt((5 + e) * (5 + e)), rel=1e-12)


def test_identical_triplet_vectors_warn(http, url):
    body = {"anchor": [[1.0, 2.0], [0.0, 0.0]], "positive": [[1.0, 2.0], [1.0, 1.0]],
            "negative": [[3.0, 1.0], [2.0, 2.0]]}
    result = http.post(f"{url}/v1/loss/triplet_margin_loss", json=body).json()
    assert warnings(result)["IDENTICAL_VECTORS"]["examples"] == [0]
    cosine = http.post(f"{url}/v1/loss/triplet_margin_with_distance_loss",
                       json=dict(body, options={"distance": "cosine"})).json()
    assert warnings(cosine)["ZERO_NORM_VECTOR"]["examples"] == [1]
