"""Silent and idle connections cannot take lossd out of service: a new connection makes room by
closing the connection idle longest, silent ones are closed after --first-byte-timeout, probes
answer while the table is full, and every drop is counted by reason in /metrics and noted in a
rate-limited log line."""
import socket
import time

import pytest

from ops_support import VALID_JOB, OpsLossd
from test_ops_metrics import eventually, scrape, value

REASONS = ["table_full", "first_byte_timeout", "evicted_idle", "evicted_silent"]


@pytest.fixture
def small_table():
    lossd = OpsLossd(args=["--max-connections", "16", "--probe-reserve-connections", "2",
                           "--first-byte-timeout", "0.5"])
    yield lossd
    lossd.stop()


def test_every_drop_reason_is_exported_from_the_start(small_table):
    samples, types = scrape(small_table)
    assert types["lossd_connections_dropped"] == "counter"
    for reason in REASONS:
        assert ("lossd_connections_dropped_total", frozenset({("reason", reason)})) in samples


def test_silent_connections_do_not_lock_out_probes_or_clients(small_table):
    silent = [socket.create_connection(("127.0.0.1", small_table.port), timeout=10) for _ in range(40)]
    try:
        for path in ["/healthz", "/readyz", "/v2/health/ready"]:
            assert small_table.get(path)[0] == 200, path
        status, _, body = small_table.post("/v1/loss/cross_entropy", VALID_JOB)
        assert status == 200, body
        samples, _ = scrape(small_table)
        closed = sum(value(samples, "lossd_connections_dropped_total", reason=r)
                     for r in ["evicted_silent", "first_byte_timeout"])
        assert closed >= 24
        assert value(samples, "lossd_connections_dropped_total", reason="table_full") == 0
    finally:
        for connection in silent:
            connection.close()


def test_a_silent_connection_is_closed_after_the_first_byte_timeout_and_logged(small_table):
    with socket.create_connection(("127.0.0.1", small_table.port), timeout=10) as silent:
        assert silent.recv(1) == b"", "closed without an answer"

    def counted():
        samples, _ = scrape(small_table)
        assert value(samples, "lossd_connections_dropped_total", reason="first_byte_timeout") >= 1

    eventually(counted)

    def logged():
        notices = [r for r in small_table.log_records() if r.get("logger") == "lossd.connections"]
        assert notices and notices[0]["level"] == "notice" and notices[0]["message"] == "connections dropped"
        assert notices[0]["first_byte_timeout"] == 1 and notices[0]["total"] == 1

    eventually(logged)


def test_drop_log_lines_are_rate_limited(small_table):
    silent = [socket.create_connection(("127.0.0.1", small_table.port), timeout=10) for _ in range(60)]
    try:
        samples, _ = scrape(small_table)  # accepted after the 60: their evictions are counted
    finally:
        for connection in silent:
            connection.close()
    dropped = sum(value(samples, "lossd_connections_dropped_total", reason=r) for r in REASONS)
    assert dropped >= 40
    notices = [r for r in small_table.log_records() if r.get("logger") == "lossd.connections"]
    assert 1 <= len(notices) < dropped
