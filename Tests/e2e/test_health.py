"""Health, readiness and spec routes."""
from pathlib import Path

import yaml
from openapi_spec_validator import validate

from conftest import REPO


def test_healthz_answers_ok_with_request_id_and_timing(http, url):
    r = http.get(url + "/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["X-Request-Id"]
    assert "parse;dur=" in r.headers["Server-Timing"]


def test_request_id_is_echoed(http, url):
    r = http.get(url + "/healthz", headers={"X-Request-Id": "abc-123"})
    assert r.headers["X-Request-Id"] == "abc-123"


def test_readyz_answers_ready(http, url):
    r = http.get(url + "/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready"}


def test_openapi_yaml_is_served_verbatim_and_valid(http, url):
    r = http.get(url + "/openapi.yaml")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/yaml")
    assert r.content == (REPO / "openapi.yaml").read_bytes()
    validate(yaml.safe_load(r.content))


def test_unknown_path_is_404_problem(http, url):
    r = http.get(url + "/nope")
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "NOT_FOUND" and body["status"] == 404


def test_wrong_method_is_405_with_allow(http, url):
    r = http.delete(url + "/v1/losses")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json()["code"] == "METHOD_NOT_ALLOWED"
    r = http.get(url + "/v1/loss/cross_entropy")
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST"
