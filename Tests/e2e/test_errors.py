"""Every error code of API.md that the API itself produces, with its status and pointer, over
HTTP; and that a 4xx leaves the server serving."""
import json
import time

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


def server_problem(status_line_and_headers, body, status, code):
    """A problem the HTTP server answered itself (no handler ran): problem+json, the code, and
    the server's framing."""
    head = status_line_and_headers
    assert head["status"] == status, (head, body)
    assert head["content-type"] == "application/problem+json"
    assert int(head["content-length"]) == len(body)
    document = json.loads(body)
    assert document["code"] == code and document["status"] == status
    assert document["type"].startswith("urn:lossd:problem:") and document["detail"]
    assert head["x-request-id"]
    assert head["server-timing"] == "parse;dur=0.000, compute;dur=0.000, encode;dur=0.000"
    return document


def raw_exchange(port, data, pause=None):
    """Sends raw bytes and reads one response until the server closes: (head fields, body)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {"status": int(lines[0].split()[1])}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields, body


@pytest.fixture(scope="module")
def limited():
    server = Lossd(["--max-body-bytes", "1024", "--max-decompressed-body-bytes", "4096",
                    "--max-request-line-bytes", "200", "--header-timeout", "0.3"])
    yield server
    server.stop()


def test_body_too_large_is_413_problem(limited):
    r = requests.post(limited.url + "/v1/loss/mse_loss", data=b"[" + b"1," * 2000 + b"1]",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "BODY_TOO_LARGE" and r.headers["Connection"] == "close"
    assert requests.get(limited.url + "/healthz").status_code == 200


def test_decompressed_body_too_large_is_413_problem(limited):
    import gzip
    r = requests.post(limited.url + "/v1/loss/mse_loss", data=gzip.compress(b" " * 100_000),
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip",
                               "X-Request-Id": "bomb-1"})
    assert r.status_code == 413 and r.headers["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "BODY_TOO_LARGE" and body["instance"] == "urn:lossd:request:bomb-1"


def test_headers_too_large_is_431_problem(http, url):
    r = requests.get(url + "/healthz", headers={"X-Big": "x" * 70000})
    assert r.status_code == 431 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "HEADERS_TOO_LARGE" and r.headers["Connection"] == "close"
    assert http.get(url + "/healthz").status_code == 200


def test_unsupported_content_encoding_is_415_problem_with_accept_encoding(lossd):
    fields, body = raw_exchange(lossd.port, b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\n"
                                b"Content-Type: application/json\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}")
    server_problem(fields, body, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "gzip" in fields["accept-encoding"] and fields["connection"] == "close"


@pytest.mark.parametrize("fields", [b"Content-Encoding: gzip, gzip\r\n",
                                    b"Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n"],
                         ids=["one-line", "two-lines"])
def test_content_encoding_lines_are_one_list(lossd, fields):
    import gzip
    body = gzip.compress(gzip.compress(b'{"input": [1.0], "target": [0.0]}'))
    answer, problem = raw_exchange(lossd.port, b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\n"
                                   b"Content-Type: application/json\r\n" + fields +
                                   f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    server_problem(answer, problem, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "gzip, gzip" in json.loads(problem)["detail"]


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
     400, "MALFORMED_REQUEST"),
    (b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}",
     417, "EXPECTATION_FAILED"),
    (b"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505, "HTTP_VERSION_NOT_SUPPORTED"),
    (b"GET /v1/losses HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
     400, "MALFORMED_REQUEST"),
    (b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
     b"Content-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\n{}", 400, "MALFORMED_REQUEST"),
    (b"POST /v2/models/mse_loss/infer HTTP/1.1\r\nHost: t\r\nInference-Header-Content-Length: 2\r\n"
     b"Inference-Header-Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}", 400, "MALFORMED_REQUEST"),
    (b"GET /healthz HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n", 400, "MALFORMED_REQUEST"),
], ids=["malformed-framing-400", "unknown-expectation-417", "http-2-505", "two-authorization-400",
        "two-content-type-400", "two-inference-header-content-length-400", "two-host-400"])
def test_request_the_server_cannot_read_is_a_problem_and_closes(lossd, request_bytes, status, code):
    fields, body = raw_exchange(lossd.port, request_bytes)
    server_problem(fields, body, status, code)
    assert fields["connection"] == "close"


def test_request_line_too_long_is_414_problem(limited):
    fields, body = raw_exchange(limited.port, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    server_problem(fields, body, 414, "URI_TOO_LONG")


def test_slow_header_is_408_problem(limited):
    fields, body = raw_exchange(limited.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
    server_problem(fields, body, 408, "REQUEST_TIMEOUT")
    assert fields["connection"] == "close"


def test_connection_over_the_limit_is_503_overloaded_problem():
    import socket
    server = Lossd(["--max-connections", "1", "--probe-reserve-connections", "0"])
    try:
        # Take the one connection slot with a request whose body is awaited (a busy connection,
        # which no new connection may evict): the 100 Continue says the server holds it. The
        # start-up probe's connection may not be closed on the server side yet: retry for 5 s.
        deadline = time.monotonic() + 5
        while True:
            held = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            held.sendall(b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         b"Expect: 100-continue\r\nContent-Length: 100\r\n\r\n")
            if held.recv(65536).startswith(b"HTTP/1.1 100"):
                break
            held.close()
            assert time.monotonic() < deadline, "the only connection slot never became free"
            time.sleep(0.05)
        with held:
            fields, body = raw_exchange(server.port, b"")
            server_problem(fields, body, 503, "OVERLOADED")
            assert fields["retry-after"] and fields["connection"] == "close"
    finally:
        server.stop()


def test_no_acceptable_content_coding_is_406_problem(http, url):
    r = http.get(url + "/openapi.yaml", headers={"Accept-Encoding": "br, identity;q=0"})
    assert r.status_code == 406 and r.headers["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "NOT_ACCEPTABLE"


def test_errors_leave_the_connection_usable(http, url):
    for _ in range(3):
        assert http.post(url + "/v1/loss/mse_loss", data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
        assert http.post(url + "/v1/loss/mse_loss", json={"input": [2.0], "target": [0.0]}).json()["value"] == 4.0
