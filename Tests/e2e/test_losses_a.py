"""ctc_loss, poisson_nll_loss, gaussian_nll_loss and margin_ranking_loss through the real server:
one golden case of each in JSON, safetensors and OIP v2 (every differentiable tensor's gradient
by its wire name), and their errors and warnings."""
import numpy as np
import pytest
import tritonclient.http as httpclient
from safetensors.numpy import load, save

from golden import CASES, as_array, assert_close, check_result, expected, gradient_names, job, tensors

LOSSES = ("ctc_loss", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss")
NUMPY = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
DATATYPES = {"float32": "FP32", "float64": "FP64", "int64": "INT64"}


def first_case(loss, dtype):
    """The loss's first golden case of `dtype` with a reduced value and grad_output 1."""
    return next(c for c in CASES if c["loss"] == loss and c["dtype"] == dtype and "grad_output" not in c
                and c["options"].get("reduction", "mean") != "none")


CHOSEN = [first_case(loss, dtype) for loss in LOSSES for dtype in ("float32", "float64")]


def flat(value):
    """A result tensor's elements, whether it came back nested or as shape/data."""
    return np.array(value["data"] if isinstance(value, dict) else value, dtype=object).reshape(-1).tolist()


def warning_codes(body):
    return {w["code"]: w for w in body["diagnostics"]["warnings"]}


@pytest.mark.parametrize("case", CHOSEN, ids=lambda c: c["name"])
def test_golden_case_in_json(http, url, case):
    r = http.post(f"{url}/v1/loss/{case['loss']}", json=job(case, "pytorch"))
    assert r.status_code == 200, r.text
    check_result(r.json(), case, "pytorch")
    assert set(gradient_names(case)) <= set(r.json())


@pytest.mark.parametrize("case", CHOSEN, ids=lambda c: c["name"])
def test_golden_case_in_safetensors(http, url, case):
    body = save({k: as_array(t, NUMPY[t["dtype"]]) for k, t in tensors(case).items()})
    query = "&".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in
                     dict(case["options"], compat="pytorch").items())
    r = http.post(f"{url}/v1/loss/{case['loss']}?{query}", data=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    answer = load(r.content)
    want = expected(case, "pytorch")
    assert set(answer) == {"value", *gradient_names(case)}
    for name in ["value", *gradient_names(case)]:
        assert_close(answer[name], as_array(want[name], np.float64), case["dtype"], name)


@pytest.mark.parametrize("case", CHOSEN, ids=lambda c: c["name"])
def test_golden_case_in_oip_v2(lossd, case):
    inputs = []
    for name, t in tensors(case).items():
        array = as_array(t, NUMPY[t["dtype"]])
        tensor = httpclient.InferInput(name, list(array.shape), DATATYPES[t["dtype"]])
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    with httpclient.InferenceServerClient(f"127.0.0.1:{lossd.port}") as client:
        model = client.get_model_metadata(case["loss"])
        assert [o["name"] for o in model["outputs"]] == ["value", *gradient_names(case)]
        result = client.infer(case["loss"], inputs, parameters=dict(case["options"], compat="pytorch"))
    want = expected(case, "pytorch")
    for name in ["value", *gradient_names(case)]:
        assert_close(result.as_numpy(name), as_array(want[name], np.float64), case["dtype"], name)


CTC_JOB = {"log_probs": np.log(np.full((4, 2, 3), 1 / 3)).tolist(), "targets": [[1, 2], [1, 1]],
           "input_lengths": [4, 2], "target_lengths": [2, 2]}


def test_ctc_infeasible_sample_is_zeroed_in_safe_mode_and_infinite_in_pytorch_mode(http, url):
    # sample 1: [1, 1] needs 3 frames (a blank between the repeats) but has 2.
    safe = http.post(url + "/v1/loss/ctc_loss", json=dict(CTC_JOB, options={"reduction": "none"})).json()
    assert flat(safe["value"])[1] == 0.0 and all(isinstance(g, float) for g in flat(safe["grad"]))
    assert warning_codes(safe)["INFEASIBLE_ALIGNMENT"]["examples"] == [1]
    torch_like = http.post(url + "/v1/loss/ctc_loss",
                           json=dict(CTC_JOB, options={"reduction": "none", "compat": "pytorch"})).json()
    assert flat(torch_like["value"])[1] == "Infinity" and "NaN" in flat(torch_like["grad"])


def test_ctc_target_equal_to_blank_points_at_the_element(http, url):
    r = http.post(url + "/v1/loss/ctc_loss", json=dict(CTC_JOB, targets=[[1, 2], [1, 0]]))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "TARGET_OUT_OF_RANGE" and r.json()["errors"][0]["pointer"] == "/targets/1/1"


def test_ctc_log_probs_that_are_not_log_softmaxed_warn(http, url):
    r = http.post(url + "/v1/loss/ctc_loss", json=dict(CTC_JOB, log_probs=np.zeros((4, 2, 3)).tolist()))
    assert r.status_code == 200, r.text
    assert warning_codes(r.json())["INPUT_NOT_LOG_PROBABILITIES"]["count"] == 6  # frames within the lengths


def test_poisson_negative_target_is_422_and_rates_near_zero_warn(http, url):
    r = http.post(url + "/v1/loss/poisson_nll_loss", json={"input": [1.0, 2.0], "target": [1.0, -2.0]})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/target/1"
    r = http.post(url + "/v1/loss/poisson_nll_loss",
                  json={"input": [1e-7, 2.0], "target": [1.0, 2.0], "options": {"log_input": False}})
    assert r.status_code == 200, r.text
    assert warning_codes(r.json())["POISSON_INPUT_NEAR_ZERO"]["examples"] == [0]


def test_gaussian_negative_var_is_422_and_small_var_is_clamped_with_a_warning(http, url):
    r = http.post(url + "/v1/loss/gaussian_nll_loss",
                  json={"input": [0.0, 1.0], "target": [0.5, 1.0], "var": [1.0, -0.1]})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/var/1"
    r = http.post(url + "/v1/loss/gaussian_nll_loss",
                  json={"input": [0.0, 1.0, 2.0], "target": [0.5, 1.0, 2.0], "var": [1.0, 0.0, 1e-9],
                        "options": {"dtype": "float64"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert warning_codes(body)["VAR_CLAMPED"]["count"] == 2
    assert body["grad_var"][1] == pytest.approx(0.5 / 3 / 1e-6, rel=1e-12)  # d/dvar at eps, through the clamp


def test_margin_ranking_target_outside_plus_minus_one_is_422(http, url):
    r = http.post(url + "/v1/loss/margin_ranking_loss",
                  json={"input1": [1.0, 2.0, 3.0], "input2": [0.0, 0.0, 0.0], "target": [1, -1, 0]})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/target/2"
    r = http.post(url + "/v1/loss/margin_ranking_loss",
                  json={"input1": [1.0, 2.0], "input2": [1.0, 0.0], "target": [1, -1], "options": {"reduction": "sum"}})
    assert r.status_code == 200, r.text
    # margin 0 with a tie: no gradient at the kink, as in PyTorch.
    assert r.json()["value"] == 2.0 and r.json()["grad"] == [0.0, 1.0] and r.json()["grad_input2"] == [0.0, -1.0]
