"""Structured JSON logs on stdout: one access line per request with the documented fields,
lifecycle lines, and the log level from --log-level / LOSSD_LOG_LEVEL."""
import re
import socket
import time

import pytest

from ops_support import SHAPE_MISMATCH_JOB, VALID_JOB, WARNING_JOB, OpsLossd, run_lossd

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def server():
    lossd = OpsLossd()
    yield lossd
    lossd.stop()


def wait_for_lines(lossd, predicate, count=1, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        lines = [r for r in lossd.access_records() if predicate(r)]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_every_stdout_line_is_a_json_object_with_timestamp_level_logger_message(server):
    server.get("/healthz")
    records = server.log_records()
    assert records, "lossd wrote no log line"
    for record in records:
        assert TIMESTAMP.match(record["timestamp"]), record
        assert record["level"] in {"trace", "debug", "info", "notice", "warning", "error", "critical"}
        assert isinstance(record["logger"], str) and isinstance(record["message"], str)
    assert any(r["logger"] == "lossd" and r["message"] == "listening" and r["port"] == server.port for r in records)


def test_a_computed_job_logs_one_line_with_ids_route_sizes_and_phases(server):
    body = b'{"input": [[0.1, 2.0, -1.0], [1.5, 0.2, 0.3]], "target": [1, 0]}'
    status, headers, answer = server.post(
        "/v1/loss/cross_entropy", body, headers={"X-Request-Id": "log-test-1", "User-Agent": "ops-test/1"})
    assert status == 200
    lines = wait_for_lines(server, lambda r: r.get("request_id") == "log-test-1")
    assert len(lines) == 1
    line = lines[0]
    assert line["level"] == "info" and line["message"] == "request"
    assert line["method"] == "POST"
    assert line["route"] == "/v1/loss/{name}"
    assert line["target"] == "/v1/loss/cross_entropy"
    assert line["status"] == 200
    assert line["bytes_in"] == len(body)
    assert line["bytes_out"] == len(answer)
    assert line["user_agent"] == "ops-test/1"
    assert line["remote_addr"].startswith("127.0.0.1:")
    assert line["losses"] == ["cross_entropy"]
    for phase in ("duration_s", "parse_ms", "compute_ms", "encode_ms"):
        assert isinstance(line[phase], (int, float)) and line[phase] >= 0, phase
    assert "warnings" not in line and "code" not in line


def test_warning_codes_and_problem_codes_are_logged(server):
    server.post("/v1/loss/cross_entropy", WARNING_JOB, headers={"X-Request-Id": "log-warn"})
    server.post("/v1/loss/cross_entropy", SHAPE_MISMATCH_JOB, headers={"X-Request-Id": "log-422"})
    (warned,) = wait_for_lines(server, lambda r: r.get("request_id") == "log-warn")
    assert "ALL_TARGETS_IGNORED" in warned["warnings"]
    (failed,) = wait_for_lines(server, lambda r: r.get("request_id") == "log-422")
    assert failed["status"] == 422 and failed["code"] == "SHAPE_MISMATCH"


def test_generated_request_ids_are_logged_as_answered(server):
    status, headers, _ = server.get("/v1/losses")
    answered = headers["X-Request-Id"]
    lines = wait_for_lines(server, lambda r: r.get("request_id") == answered)
    assert len(lines) == 1 and lines[0]["route"] == "/v1/losses"


def test_a_response_written_by_the_server_itself_is_logged_once(server):
    # A header section over the 64 KiB default limit: the server answers 431 before any handler.
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n")
        answer = s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 431")
    lines = wait_for_lines(server, lambda r: r.get("source") == "server" and r.get("status") == 431)
    assert len(lines) == 1
    assert lines[0]["bytes_out"] > 0


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", 431, "HEADERS_TOO_LARGE"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI_TOO_LONG"),
    (b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nX-Request-Id: mine-415\r\nContent-Encoding: br\r\n"
     b"Content-Length: 2\r\n\r\n{}", 415, "UNSUPPORTED_MEDIA_TYPE"),
    (b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nX-Request-Id: mine-417\r\nExpect: tea\r\n"
     b"Content-Length: 2\r\n\r\n{}", 417, "EXPECTATION_FAILED"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, "MALFORMED_REQUEST"),
])
def test_server_written_answers_log_the_answered_request_id_and_the_problem_code(server, request_bytes, status, code):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(request_bytes)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n\r\n")[0].decode()
    assert head.startswith(f"HTTP/1.1 {status}")
    answered = re.search(r"(?im)^x-request-id: (\S+)", head).group(1)
    lines = wait_for_lines(server, lambda r: r.get("request_id") == answered)
    assert len(lines) == 1
    assert lines[0]["source"] == "server" and lines[0]["status"] == status and lines[0]["code"] == code


def test_one_access_line_per_request():
    lossd = OpsLossd()
    try:
        for i in range(10):
            lossd.post("/v1/loss/cross_entropy", VALID_JOB, headers={"X-Request-Id": f"count-{i}"})
        lines = wait_for_lines(lossd, lambda r: r.get("request_id", "").startswith("count-"), count=10)
        assert sorted(r["request_id"] for r in lines) == sorted(f"count-{i}" for i in range(10))
    finally:
        lossd.stop()


def test_log_level_warning_silences_access_lines():
    lossd = OpsLossd(env={"LOSSD_LOG_LEVEL": "warning"})
    try:
        assert lossd.post("/v1/loss/cross_entropy", VALID_JOB)[0] == 200
        time.sleep(0.3)
        assert lossd.access_records() == []
    finally:
        lossd.stop()


def test_log_level_flag_wins_over_the_environment():
    lossd = OpsLossd(args=["--log-level", "info"], env={"LOSSD_LOG_LEVEL": "error"})
    try:
        lossd.get("/healthz", headers={"X-Request-Id": "flag-wins"})
        assert wait_for_lines(lossd, lambda r: r.get("request_id") == "flag-wins")
    finally:
        lossd.stop()


def test_an_unknown_log_level_is_refused_at_start():
    status, _, stderr = run_lossd(["serve", "--port", "0"], env={"LOSSD_LOG_LEVEL": "loud"})
    assert status != 0
    assert "log-level" in stderr and "loud" in stderr


def test_sigterm_logs_the_drain_and_exits_zero():
    lossd = OpsLossd()
    assert lossd.terminate() == 0
    messages = [r["message"] for r in lossd.log_records() if r["logger"] == "lossd"]
    assert any(m.startswith("draining") for m in messages)
    assert "drained" in messages
