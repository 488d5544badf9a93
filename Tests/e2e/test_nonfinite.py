"""Issue 18 items 5-7 through a real server: every non-finite result is named, integers stay
integers, option types are enforced, and values in errors are printed as sent."""
import math

import pytest


def post(http, url, loss, body):
    return http.post(f"{url}/v1/loss/{loss}", json=body)


def codes(result):
    return [w["code"] for w in result["diagnostics"]["warnings"]]


def as_float(v):
    return float(v) if not isinstance(v, str) else {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]


@pytest.mark.parametrize("compat", ["safe", "pytorch"])
def test_kl_div_zero_target_at_minus_infinity_is_named(http, url, compat):
    r = post(http, url, "kl_div", {"input": ["-Infinity", -1.0], "target": [0.0, 1.0],
                                   "options": {"reduction": "sum", "compat": compat}})
    assert r.status_code == 200
    body = r.json()
    assert "ZERO_TARGET_INFINITE_INPUT" in codes(body)
    value = as_float(body["value"])
    if compat == "safe":
        assert value == 1.0, "the 0 * log(0) - 0 * -inf term is its limit, 0"
        assert math.isnan(as_float(body["diagnostics"]["pytorch"]["value"]))
    else:
        assert math.isnan(value)


@pytest.mark.parametrize("compat", ["safe", "pytorch"])
def test_focal_gamma_below_one_at_saturated_logits_is_named(http, url, compat):
    r = post(http, url, "sigmoid_focal_loss", {"input": [100.0, -100.0], "target": [1.0, 0.0],
                                               "options": {"gamma": 0.5, "compat": compat}})
    assert r.status_code == 200
    body = r.json()
    assert "SATURATED_FOCAL_GRADIENT" in codes(body)
    grads = [as_float(g) for g in body["grad"]]
    assert all(math.isnan(g) for g in grads) if compat == "pytorch" else grads == [0.0, 0.0]


@pytest.mark.parametrize("temperature,dtype", [(1e-300, "float32"), (1e-320, "float64"), (1e-39, "float32")])
def test_temperature_whose_reciprocal_overflows_is_refused(http, url, temperature, dtype):
    r = post(http, url, "cross_entropy", {"input": [[1.0, 2.0]], "target": [0],
                                          "options": {"temperature": temperature, "dtype": dtype}})
    assert r.status_code == 422
    assert r.json()["code"] == "INVALID_OPTION"
    assert r.json()["errors"][0]["pointer"] == "/options/temperature"


def test_z_loss_overflow_is_named(http, url):
    r = post(http, url, "cross_entropy", {"input": [[1.0, 2.0]], "target": [0], "options": {"z_loss": 1e308}})
    assert r.status_code == 200
    assert "NONFINITE_RESULT" in codes(r.json())


@pytest.mark.parametrize("loss,body,tensor", [
    ("mse_loss", {"input": [1.0, 2.0], "target": [1.0, "NaN"]}, "target"),
    ("cross_entropy", {"input": [[1.0, 2.0]], "target": [0], "weight": ["NaN", 1.0]}, "weight"),
    ("binary_cross_entropy_with_logits", {"input": [1.0], "target": [1.0], "pos_weight": ["NaN"]}, "pos_weight"),
    ("mse_loss", {"input": [1.0, 2.0], "target": [1.0, 1.0], "grad_output": ["NaN", 1.0],
                  "options": {"reduction": "none"}}, "grad_output"),
])
def test_nan_in_any_tensor_is_named(http, url, loss, body, tensor):
    r = post(http, url, loss, body)
    assert r.status_code == 200
    warnings = {w["code"]: w for w in r.json()["diagnostics"]["warnings"]}
    assert "NAN_IN_TENSOR" in warnings
    assert warnings["NAN_IN_TENSOR"]["message"].startswith(tensor + " ")


def test_stats_of_a_nan_result_say_nan(http, url):
    r = post(http, url, "mse_loss", {"input": [1.0, "NaN"], "target": [1.0, 1.0], "options": {"reduction": "none"}})
    stats = r.json()["diagnostics"]["stats"]
    for key in ("loss_min", "loss_max", "grad_max_abs"):
        assert math.isnan(as_float(stats[key])), key


def test_integer_targets_and_ignore_index_stay_integers(http, url):
    r = post(http, url, "cross_entropy", {"input": [[1.0, 2.0]], "target": [9223372036854775807]})
    assert r.status_code == 422 and r.json()["code"] == "TARGET_OUT_OF_RANGE"
    assert "9223372036854775807" in r.json()["detail"]
    r = post(http, url, "cross_entropy", {"input": [[1.0, 2.0], [3.0, 4.0]], "target": [0, 9223372036854775807],
                                          "options": {"ignore_index": 9223372036854775807}})
    assert r.status_code == 200 and r.json()["diagnostics"]["counts"]["ignored"] == 1


@pytest.mark.parametrize("loss,options", [("cross_entropy", {"label_smoothing": "0.1"}), ("kl_div", {"log_target": "true"})])
def test_option_of_the_wrong_json_type_is_refused(http, url, loss, options):
    body = {"input": [[1.0, 2.0]], "target": [0] if loss == "cross_entropy" else [[0.5, 0.5]], "options": options}
    r = post(http, url, loss, body)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_OPTION"
    assert r.json()["errors"][0]["pointer"] == "/options/" + next(iter(options))


def test_option_twice_in_the_query_says_so(http, url):
    r = http.post(f"{url}/v1/loss/mse_loss?reduction=sum&reduction=mean", json={"input": [1.0], "target": [1.0]})
    assert r.status_code == 422 and "twice (in the query)" in r.json()["detail"]


def test_target_value_in_an_error_is_printed_as_sent(http, url):
    r = post(http, url, "cross_entropy", {"input": [[1.0, 2.0]], "target": [0.2]})
    assert r.status_code == 422
    assert "0.2" in r.json()["detail"] and "0.2000000" not in r.json()["detail"]
