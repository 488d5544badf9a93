"""Open Inference Protocol v2 with the stock tritonclient[http] client, and raw JSON."""
import json

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from golden import CASES, as_array, assert_close, expected, gradient_names, tensors

DATATYPES = {"float32": "FP32", "float64": "FP64", "int64": "INT64"}


@pytest.fixture(scope="module")
def client(lossd):
    with httpclient.InferenceServerClient(f"127.0.0.1:{lossd.port}") as c:
        yield c


def golden_inputs(case, binary):
    inputs = []
    for name, t in tensors(case).items():
        array = as_array(t, {"float32": np.float32, "float64": np.float64, "int64": np.int64}[t["dtype"]])
        tensor = httpclient.InferInput(name, list(array.shape), DATATYPES[t["dtype"]])
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    return inputs


def test_server_and_model_health(client):
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("cross_entropy")
    assert not client.is_model_ready("softmax")
    metadata = client.get_server_metadata()
    assert metadata["name"] == "lossd" and "binary_tensor_data" in metadata["extensions"]
    model = client.get_model_metadata("nll_loss")
    assert [i["name"] for i in model["inputs"]][:2] == ["input", "target"]
    assert [o["name"] for o in model["outputs"]] == ["value", "grad"]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
@pytest.mark.parametrize("case", [c for c in CASES if "reduction" not in c.get("options", {})
                                  or c["options"]["reduction"] != "none"][::9], ids=lambda c: c["name"])
def test_golden_case_via_tritonclient(client, case, binary):
    outputs = [httpclient.InferRequestedOutput(name, binary_data=binary)
               for name in ["value"] + gradient_names(case)]
    options = {k: v for k, v in case.get("options", {}).items()}
    options["compat"] = "pytorch"
    result = client.infer(case["loss"], golden_inputs(case, binary), outputs=outputs, parameters=options,
                          request_id="r-1")
    want = expected(case, "pytorch")
    dtype = case["dtype"]
    assert_close(result.as_numpy("value"), as_array(want["value"], np.float64), dtype, "value")
    for name in gradient_names(case):
        assert_close(result.as_numpy(name), as_array(want[name], np.float64), dtype, name)
    response = result.get_response()
    assert response["id"] == "r-1" and response["model_name"] == case["loss"]
    assert "warnings" in json.loads(response["parameters"]["diagnostics"])


def test_default_outputs_are_binary_value_and_grad(client):
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    t = np.array([0, 1, 2, 3], dtype=np.int64)
    inputs = [httpclient.InferInput("input", [4, 5], "FP32"), httpclient.InferInput("target", [4], "INT64")]
    inputs[0].set_data_from_numpy(x)
    inputs[1].set_data_from_numpy(t)
    result = client.infer("cross_entropy", inputs, parameters={"reduction": "sum"})
    grad = result.as_numpy("grad")
    assert grad.dtype == np.float32 and grad.shape == (4, 5)
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert np.allclose(grad, p - np.eye(5, dtype=np.float32)[t], atol=1e-6)


def test_half_precision_binary_inputs(client):
    x = np.array([[1.0, 2.0, 0.5]], dtype=np.float16)
    inputs = [httpclient.InferInput("input", [1, 3], "FP16"), httpclient.InferInput("target", [1], "INT64")]
    inputs[0].set_data_from_numpy(x)
    inputs[1].set_data_from_numpy(np.array([1], dtype=np.int64))
    value = client.infer("cross_entropy", inputs).as_numpy("value")
    logits = x.astype(np.float32)[0]
    assert np.isclose(value, np.log(np.exp(logits).sum()) - logits[1], rtol=1e-6)


def test_errors_reach_tritonclient_with_their_message(client):
    inputs = [httpclient.InferInput("input", [1, 2], "FP32"), httpclient.InferInput("target", [1], "INT64")]
    inputs[0].set_data_from_numpy(np.zeros((1, 2), dtype=np.float32))
    inputs[1].set_data_from_numpy(np.array([7], dtype=np.int64))
    with pytest.raises(InferenceServerException) as error:
        client.infer("cross_entropy", inputs)
    assert error.value.status() == "422"
    with pytest.raises(InferenceServerException) as error:
        client.infer("cross_entropy", inputs, parameters={"beta": 1})
    assert "beta" in error.value.message()
    with pytest.raises(InferenceServerException) as error:
        client.infer("softmax", inputs)
    assert error.value.status() == "404"


def test_raw_json_infer_with_nested_data_and_pointers(http, url):
    body = {"id": "x", "inputs": [
        {"name": "input", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2], [3, 4]]},
        {"name": "target", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3, 5]}],
        "parameters": {"reduction": "sum"}, "outputs": [{"name": "value"}]}
    r = http.post(url + "/v2/models/mse_loss/infer", json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["id"] == "x" and [o["name"] for o in answer["outputs"]] == ["value"]
    assert answer["outputs"][0]["data"] == [1.0] and answer["outputs"][0]["shape"] == []
    body["inputs"][1]["data"] = [1, 2, 3]
    r = http.post(url + "/v2/models/mse_loss/infer", json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/inputs/1/data"
    assert r.json()["error"]
