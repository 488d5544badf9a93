"""Optional bearer token: 401 with WWW-Authenticate and problem+json on every route but health
and metrics; the token comes from --auth-token-file or LOSSD_AUTH_TOKEN_FILE."""
import json
import os
import tempfile

import pytest

from ops_support import VALID_JOB, OpsLossd, run_lossd

TOKEN = "s3cr3t-token-for-tests"


def token_file(content):
    descriptor, path = tempfile.mkstemp(prefix="lossd-token-")
    with os.fdopen(descriptor, "w") as f:
        f.write(content)
    return path


@pytest.fixture(scope="module")
def server():
    lossd = OpsLossd(env={"LOSSD_AUTH_TOKEN_FILE": token_file(TOKEN + "\n")})
    yield lossd
    lossd.stop()


def assert_unauthorized(answer, challenge):
    status, headers, body = answer
    assert status == 401
    assert headers["WWW-Authenticate"] == challenge
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["code"] == "UNAUTHORIZED" and problem["status"] == 401
    assert problem["detail"] and headers["X-Request-Id"]


@pytest.mark.parametrize("path", ["/v1/losses", "/openapi.yaml", "/v2", "/v2/models/cross_entropy"])
def test_a_missing_token_is_401_with_a_bearer_challenge(server, path):
    assert_unauthorized(server.get(path), 'Bearer realm="lossd"')


def test_a_post_without_token_is_refused_before_the_body_is_read(server):
    assert_unauthorized(server.post("/v1/loss/cross_entropy", VALID_JOB), 'Bearer realm="lossd"')


@pytest.mark.parametrize("authorization", [
    "Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN[:-1], "Bearer " + TOKEN.upper()])
def test_a_wrong_token_is_401_invalid_token(server, authorization):
    assert_unauthorized(server.get("/v1/losses", headers={"Authorization": authorization}),
                        'Bearer realm="lossd", error="invalid_token"')


@pytest.mark.parametrize("authorization", ["Basic " + TOKEN, "Bearer", "Bearer ", TOKEN])
def test_a_non_bearer_authorization_counts_as_missing(server, authorization):
    assert_unauthorized(server.get("/v1/losses", headers={"Authorization": authorization}), 'Bearer realm="lossd"')


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_right_token_is_accepted_with_any_scheme_case(server, scheme):
    status, _, body = server.post("/v1/loss/cross_entropy", VALID_JOB, headers={"Authorization": f"{scheme} {TOKEN}"})
    assert status == 200 and "value" in json.loads(body)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/v2/health/live", "/v2/health/ready"])
def test_health_and_metrics_need_no_token(server, path):
    assert server.get(path)[0] == 200


def test_the_unauthorized_answers_are_counted_and_logged(server):
    server.get("/v1/losses", headers={"X-Request-Id": "auth-log"})
    status, _, body = server.get("/metrics")
    assert status == 200
    assert b'lossd_http_requests_total{route="/v1/losses",method="GET",status="401"}' in body
    lines = [r for r in server.access_records() if r.get("request_id") == "auth-log"]
    assert lines and lines[0]["status"] == 401 and lines[0]["code"] == "UNAUTHORIZED"


def test_the_flag_works_like_the_variable():
    lossd = OpsLossd(args=["--auth-token-file", token_file(TOKEN)])
    try:
        assert lossd.get("/v1/losses")[0] == 401
        assert lossd.get("/v1/losses", headers={"Authorization": "Bearer " + TOKEN})[0] == 200
    finally:
        lossd.stop()


def test_without_a_token_file_every_route_is_open():
    lossd = OpsLossd()
    try:
        assert lossd.get("/v1/losses")[0] == 200
    finally:
        lossd.stop()


@pytest.mark.parametrize("content", ["", "  \n", "two words\n"])
def test_an_empty_or_malformed_token_file_is_refused_at_start(content):
    status, _, stderr = run_lossd(["serve", "--port", "0"], env={"LOSSD_AUTH_TOKEN_FILE": token_file(content)})
    assert status != 0 and "auth-token-file" in stderr


def test_a_missing_token_file_is_refused_at_start():
    status, _, stderr = run_lossd(["serve", "--port", "0", "--auth-token-file", "/nonexistent/token"])
    assert status != 0 and "/nonexistent/token" in stderr
