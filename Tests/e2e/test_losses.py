"""Every golden case through POST /v1/loss/{name} (JSON), in both compat modes."""
import pytest

from golden import CASES, check_result, job


@pytest.mark.parametrize("compat", ["pytorch", "safe"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case_through_the_api(http, url, case, compat):
    r = http.post(f"{url}/v1/loss/{case['loss']}", json=job(case, compat))
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["loss"] == case["loss"]
    check_result(result, case, compat)
    assert set(result["diagnostics"]) >= {"counts", "stats", "warnings", "pytorch"}


def test_every_loss_has_golden_cases():
    losses = {c["loss"] for c in CASES}
    assert losses == {"cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                      "kl_div", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "sigmoid_focal_loss",
                      "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "multilabel_margin_loss",
                      "multi_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
                      "triplet_margin_with_distance_loss",
                      "ctc_loss", "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
                      "linear_cross_entropy"}


def test_catalogue_names_every_loss(http, url):
    names = [loss["name"] for loss in http.get(url + "/v1/losses").json()["losses"]]
    assert set(names) == {c["loss"] for c in CASES}


def test_nested_input_gets_a_nested_gradient_and_float_spellings(http, url):
    r = http.post(url + "/v1/loss/cross_entropy", json={"input": [[1, 2, 3], [1, 1, 1]], "target": [2, 0]})
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["value"], float)
    assert [len(row) for row in body["grad"]] == [3, 3]
    assert all(isinstance(x, float) for row in body["grad"] for x in row)
    assert '"grad":[[' in r.text


def test_reduction_none_value_comes_back_in_the_input_form(http, url):
    r = http.post(url + "/v1/loss/mse_loss",
                  json={"input": {"shape": [2], "data": [1, 2]}, "target": [0, 0], "options": {"reduction": "none"}})
    assert r.status_code == 200
    body = r.json()
    assert body["value"] == {"shape": [2], "data": [1.0, 4.0], "dtype": "float32"}
    assert body["grad"] == {"shape": [2], "data": [2.0, 4.0], "dtype": "float32"}


def test_outputs_select_what_is_written(http, url):
    r = http.post(url + "/v1/loss/mse_loss", json={"input": [1.0], "target": [0.0], "outputs": ["value"]})
    assert r.status_code == 200
    assert set(r.json()) == {"loss", "dtype", "value"}


def test_non_finite_results_are_strings(http, url):
    r = http.post(url + "/v1/loss/mse_loss", json={"input": ["inf"], "target": [0.0]})
    assert r.status_code == 200
    assert r.json()["value"] == "Infinity"


def test_float64_jobs_round_trip_bits(http, url):
    r = http.post(url + "/v1/loss/l1_loss",
                  json={"input": [0.1], "target": [0.0], "options": {"dtype": "float64", "reduction": "sum"}})
    assert r.status_code == 200
    assert r.json()["value"] == 0.1 and r.json()["dtype"] == "float64"


def test_safe_mode_warns_where_pytorch_gives_nan(http, url):
    job = {"input": [[1.0, 2.0]], "target": [-100]}
    safe = http.post(url + "/v1/loss/cross_entropy", json=job).json()
    assert safe["value"] == 0.0
    assert "ALL_TARGETS_IGNORED" in [w["code"] for w in safe["diagnostics"]["warnings"]]
    torch_like = http.post(url + "/v1/loss/cross_entropy", json=dict(job, options={"compat": "pytorch"})).json()
    assert torch_like["value"] == "NaN"
