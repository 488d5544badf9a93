"""POST /v1/batch: results in order; a bad job fails alone."""
from golden import CASES, check_result, job


def test_batch_with_bad_jobs_among_good_ones(http, url):
    good = [c for c in CASES if c["loss"] in ("cross_entropy", "huber_loss")][:3]
    jobs = [dict(job(good[0], "pytorch"), loss=good[0]["loss"]),
            {"loss": "cross_entropy", "input": [[1.0, 2.0]], "target": [5]},
            dict(job(good[1], "pytorch"), loss=good[1]["loss"]),
            {"loss": "no_such_loss", "input": [1.0], "target": [1.0]},
            {"loss": "mse_loss", "input": [[1.0], [2.0, 3.0]], "target": [1.0]},
            dict(job(good[2], "safe"), loss=good[2]["loss"])]
    r = http.post(url + "/v1/batch", json={"jobs": jobs})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 6
    check_result(results[0], good[0], "pytorch")
    check_result(results[2], good[1], "pytorch")
    check_result(results[5], good[2], "safe")
    errors = {i: results[i]["error"] for i in (1, 3, 4)}
    assert errors[1]["code"] == "TARGET_OUT_OF_RANGE" and errors[1]["errors"][0]["pointer"] == "/jobs/1/target/0"
    assert errors[3]["code"] == "UNKNOWN_LOSS" and errors[3]["errors"][0]["pointer"] == "/jobs/3/loss"
    assert errors[4]["code"] == "INVALID_TENSOR" and errors[4]["errors"][0]["pointer"] == "/jobs/4/input/1"


def test_batch_envelope_errors_are_problems(http, url):
    r = http.post(url + "/v1/batch", json={"jobs": 3})
    assert r.status_code == 400 and r.json()["code"] == "MALFORMED_REQUEST"
    assert r.json()["errors"][0]["pointer"] == "/jobs"


def test_batch_of_only_numbers_gives_each_element_its_error(http, url):
    r = http.post(url + "/v1/batch", json={"jobs": [0, 1.5]})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [res["error"]["code"] for res in results] == ["MALFORMED_REQUEST"] * 2
    assert [res["error"]["errors"][0]["pointer"] for res in results] == ["/jobs/0", "/jobs/1"]
