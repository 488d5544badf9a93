"""Every error code of API.md that the API itself produces, with its status and pointer, over
HTTP; and that a 4xx leaves the server serving."""
import json

import pytest
import requests

from conftest import Lossd


def problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == code and body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:lossd:problem:")
    assert body["error"] == body["detail"]
    assert r.headers["X-Request-Id"] and "parse;dur=" in r.headers["Server-Timing"]
    return [e["pointer"] for e in body["errors"]]


CASES = [
    # (loss, body bytes, status, code, pointer)
    ("mse_loss", b'{"input": [1, 2,], "target": [1]}', 400, "MALFORMED_JSON", "/input/2"),
    ("mse_loss", b'{"input": [1], "target": [1]', 400, "MALFORMED_JSON", ""),
    ("mse_loss", b'"job"', 400, "MALFORMED_REQUEST", ""),
    ("mse_loss", b'{"input": [1], "target": [1], "extra": 1}', 400, "MALFORMED_REQUEST", "/extra"),
    ("mse_loss", b'{"input": [1]}', 400, "MALFORMED_REQUEST", "/target"),
    ("mse_loss", b'{"input": [[1, 2], [3]], "target": [1]}', 422, "INVALID_TENSOR", "/input/1"),
    ("mse_loss", b'{"input": [[1, 2], [3, "oops"]], "target": [1]}', 422, "INVALID_TENSOR", "/input/1/1"),
    ("mse_loss", b'{"input": {"shape": [3], "data": [1, 2]}, "target": [1]}', 422, "INVALID_TENSOR", "/input/data"),
    ("mse_loss", b'{"input": [1, 2], "target": [1, 2, 3]}', 422, "SHAPE_MISMATCH", "/target"),
    ("cross_entropy", b'{"input": [[1, 2], [3, 4]], "target": [0, 1, 1]}', 422, "SHAPE_MISMATCH", "/target"),
    ("cross_entropy", b'{"input": [[1, 2], [3, 4], [5, 6]], "target": [0, 1, 7]}', 422, "TARGET_OUT_OF_RANGE", "/target/2"),
    ("nll_loss", b'{"input": [[1, 2]], "target": {"shape": [1], "data": [-3]}}', 422, "TARGET_OUT_OF_RANGE", "/target/data/0"),
    ("mse_loss", b'{"input": [1], "target": [1], "options": {"gamma": 2}}', 422, "INVALID_OPTION", "/options/gamma"),
    ("cross_entropy", b'{"input": [[1, 2]], "target": [0], "options": {"temperature": 0}}', 422, "INVALID_OPTION",
     "/options/temperature"),
]


@pytest.mark.parametrize("loss,body,status,code,pointer", CASES, ids=[f"{c[3]}:{c[4]}" for c in CASES])
def test_bad_job_gets_its_code_and_pointer(http, url, loss, body, status, code, pointer):
    r = http.post(f"{url}/v1/loss/{loss}", data=body, headers={"Content-Type": "application/json"})
    assert problem(r, status, code) == [pointer]


def test_unknown_loss_is_404(http, url):
    r = http.post(url + "/v1/loss/softmax", json={"input": [1], "target": [1]})
    problem(r, 404, "UNKNOWN_LOSS")


def test_method_not_allowed_has_allow(http, url):
    r = http.put(url + "/v1/batch", json={})
    problem(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] == "POST"


def test_unsupported_media_type_is_415(http, url):
    r = http.post(url + "/v1/loss/mse_loss", data="input=1", headers={"Content-Type": "text/plain"})
    problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_not_acceptable_is_406(http, url):
    r = http.post(url + "/v1/loss/mse_loss", json={"input": [1], "target": [1]}, headers={"Accept": "text/html"})
    problem(r, 406, "NOT_ACCEPTABLE")


def test_unknown_route_is_404(http, url):
    problem(http.get(url + "/v3/whatever"), 404, "NOT_FOUND")


def test_body_too_large_is_413():
    server = Lossd(["--max-body-bytes", "1024"])
    try:
        r = requests.post(server.url + "/v1/loss/mse_loss", data=b"[" + b"1," * 2000 + b"1]",
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert requests.get(server.url + "/healthz").status_code == 200
    finally:
        server.stop()


def test_headers_too_large_is_431(http, url):
    r = requests.get(url + "/healthz", headers={"X-Big": "x" * 70000})
    assert r.status_code == 431
    assert http.get(url + "/healthz").status_code == 200


def test_errors_leave_the_connection_usable(http, url):
    for _ in range(3):
        assert http.post(url + "/v1/loss/mse_loss", data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
        assert http.post(url + "/v1/loss/mse_loss", json={"input": [2.0], "target": [0.0]}).json()["value"] == 4.0
