"""GET /metrics: every metric family of the operations issue appears in Prometheus text format
and moves when the events it counts happen."""
import json
import socket
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ops_support import MALFORMED_BODY, SHAPE_MISMATCH_JOB, VALID_JOB, WARNING_JOB, OpsLossd


@pytest.fixture(scope="module")
def server():
    lossd = OpsLossd()
    yield lossd
    lossd.stop()


def scrape(lossd):
    """{(sample name, frozenset of labels): value} of one scrape, and the family types."""
    status, headers, body = lossd.get("/metrics")
    assert status == 200
    text = body.decode()
    samples, types = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def eventually(check, timeout=5.0):
    """Polls `check` (the server records a response just after writing it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_metrics_are_prometheus_text_with_histograms_and_counters(server):
    status, headers, body = server.get("/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert body.endswith(b"\n")
    server.post("/v1/loss/cross_entropy", VALID_JOB)
    samples, types = eventually(lambda: _with_request_counter(server))
    assert types["lossd_http_requests"] == "counter"
    assert types["lossd_http_request_duration_seconds"] == "histogram"
    assert types["lossd_open_connections"] == "gauge"
    assert types["lossd_shed"] == "counter"
    assert types["process_resident_memory_bytes"] == "gauge"


def _with_request_counter(server):
    samples, types = scrape(server)
    assert "lossd_http_requests" in types
    return samples, types


def test_head_metrics_is_allowed_and_post_is_405(server):
    status, headers, body = server.request("HEAD", "/metrics")
    assert status == 200 and body == b""
    status, headers, body = server.post("/metrics", b"")
    assert status == 405
    assert "GET" in headers["Allow"]


def test_request_counts_and_latency_move_by_route_method_and_status(server):
    before, _ = scrape(server)
    for _ in range(3):
        assert server.post("/v1/loss/cross_entropy", VALID_JOB)[0] == 200
    for _ in range(2):
        assert server.post("/v1/loss/cross_entropy", SHAPE_MISMATCH_JOB)[0] == 422
    assert server.post("/v1/loss/mse_loss", MALFORMED_BODY)[0] == 400
    assert server.get("/no/such/route")[0] == 404
    route = "/v1/loss/{name}"

    def moved():
        after, _ = scrape(server)
        delta = lambda name, **labels: value(after, name, **labels) - value(before, name, **labels)
        assert delta("lossd_http_requests_total", route=route, method="POST", status="200") == 3
        assert delta("lossd_http_requests_total", route=route, method="POST", status="422") == 2
        assert delta("lossd_http_requests_total", route=route, method="POST", status="400") == 1
        assert delta("lossd_http_requests_total", route="unmatched", method="GET", status="404") == 1
        assert delta("lossd_http_request_duration_seconds_count", route=route) == 6
        assert delta("lossd_http_request_duration_seconds_sum", route=route) > 0
        return after

    after = eventually(moved)
    buckets = sorted(
        (float(dict(labels)["le"]), v) for (name, labels), v in after.items()
        if name == "lossd_http_request_duration_seconds_bucket" and dict(labels).get("route") == route)
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), "histogram buckets must be cumulative"
    assert buckets[-1][0] == float("inf")
    assert buckets[-1][1] == value(after, "lossd_http_request_duration_seconds_count", route=route)


def test_body_byte_counters_move_by_at_least_the_bodies_sent_and_received(server):
    before, _ = scrape(server)
    status, _, body = server.post("/v1/loss/cross_entropy", VALID_JOB)
    assert status == 200
    sent = len(str.encode(json.dumps(VALID_JOB)))
    route = "/v1/loss/{name}"

    def moved():
        after, _ = scrape(server)
        assert value(after, "lossd_http_request_bytes_total", route=route) - \
            value(before, "lossd_http_request_bytes_total", route=route) >= sent
        assert value(after, "lossd_http_response_bytes_total", route=route) - \
            value(before, "lossd_http_response_bytes_total", route=route) >= len(body)

    eventually(moved)


def test_compression_ratio_records_each_compressed_response(server):
    before, _ = scrape(server)
    rows = [[((i * 7 + j * 3) % 11) / 10.0 for j in range(200)] for i in range(64)]
    job = {"input": rows, "target": [i % 200 for i in range(64)], "options": {"reduction": "none"}}
    status, headers, body = server.post("/v1/loss/cross_entropy", job, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"

    def moved():
        after, _ = scrape(server)
        count = value(after, "lossd_compression_ratio_count") - value(before, "lossd_compression_ratio_count")
        ratio_sum = value(after, "lossd_compression_ratio_sum") - value(before, "lossd_compression_ratio_sum")
        assert count == 1
        assert ratio_sum > 1.5, "JSON float text compresses well beyond 1.5x"

    eventually(moved)


def test_open_connections_gauge_follows_idle_connections(server):
    baseline, _ = scrape(server)
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    try:
        eventually(lambda: _assert_at_least(server, "lossd_open_connections", value(baseline, "lossd_open_connections") + 3))
    finally:
        for s in held:
            s.close()

    def dropped():
        after, _ = scrape(server)
        # Only the scrape's own connection (and none of the held ones) may remain.
        assert value(after, "lossd_open_connections") <= value(baseline, "lossd_open_connections")

    eventually(dropped)


def _assert_at_least(server, name, minimum):
    samples, _ = scrape(server)
    assert value(samples, name) >= minimum


def test_job_metrics_kernel_seconds_warnings_and_inflight_appear_and_move(server):
    before, _ = scrape(server)
    assert server.post("/v1/loss/cross_entropy", VALID_JOB)[0] == 200
    assert server.post("/v1/loss/cross_entropy", WARNING_JOB)[0] == 200

    def moved():
        after, types = scrape(server)
        assert value(after, "lossd_kernel_seconds_count", loss="cross_entropy") - \
            value(before, "lossd_kernel_seconds_count", loss="cross_entropy") == 2
        assert value(after, "lossd_warnings_total", code="ALL_TARGETS_IGNORED") - \
            value(before, "lossd_warnings_total", code="ALL_TARGETS_IGNORED") == 1
        assert "lossd_inflight_jobs" in types
        assert value(after, "lossd_inflight_jobs") == 0, "no job is running between requests"

    eventually(moved)


def test_every_warning_code_is_exported_from_start(server):
    samples, _ = scrape(server)
    status, _, body = server.get("/v1/losses")
    assert status == 200
    codes = [w["code"] for w in json.loads(body)["warnings"]]
    assert "ALL_TARGETS_IGNORED" in codes
    for code in codes:
        assert ("lossd_warnings_total", frozenset({"code": code}.items())) in samples, code


def test_process_gauges_report_memory_descriptors_and_start_time(server):
    samples, _ = scrape(server)
    assert value(samples, "process_resident_memory_bytes") > 1 << 20
    assert value(samples, "process_open_fds") >= 3
    assert abs(value(samples, "process_start_time_seconds") - time.time()) < 3600


def test_requests_over_the_in_flight_limit_are_shed_as_overloaded_and_counted():
    lossd = OpsLossd(args=["--max-in-flight", "1"])
    try:
        before, _ = scrape(lossd)
        # One large job occupies the only slot while small ones arrive.
        rows = [[float((i + j) % 13) for j in range(2000)] for i in range(1024)]
        job = {"input": rows, "target": [i % 2000 for i in range(1024)], "options": {"reduction": "none"}}
        blocker = threading.Thread(target=lossd.post, args=("/v1/loss/cross_entropy", job), kwargs={"timeout": 120})
        blocker.start()
        answers = []
        # Small jobs until some are shed (once the large one is admitted) or it is done.
        while blocker.is_alive() and sum(1 for a in answers if a[0] == 503) < 20:
            answers.append(lossd.post("/v1/loss/cross_entropy", VALID_JOB))
            # Probes and scrapes are exempt from shedding.
            assert lossd.get("/healthz")[0] == 200
        blocker.join()
        shed = [(headers, body) for status, headers, body in answers if status == 503]
        assert shed, "no request was shed while the only slot was taken"
        for headers, body in shed:
            assert headers["Retry-After"] == "1"
            assert headers["Content-Type"] == "application/problem+json"
            assert json.loads(body)["code"] == "OVERLOADED"
        assert all(status in (200, 503) for status, _, _ in answers)

        def moved():
            after, _ = scrape(lossd)
            assert value(after, "lossd_shed_total") - value(before, "lossd_shed_total") == len(shed)
            assert value(after, "lossd_http_requests_total", route="/v1/loss/{name}", method="POST",
                         status="503") == len(shed)

        eventually(moved)
        lines = [r for r in lossd.access_records() if r.get("status") == 503]
        assert len(lines) == len(shed) and all(r["source"] == "server" for r in lines)
    finally:
        lossd.stop()
