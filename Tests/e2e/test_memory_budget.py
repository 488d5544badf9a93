"""Issue 18.2: memory per request is bounded before it is spent. A 260 KB gzip body inflating to
268 MB of `{"input":[0,0,...],"target":[]}` once raised lossd's peak RSS to 3.0 GB before its 422;
now the JSON reader stops at --max-json-values and answers 413, and the peak stays under twice
the decompressed-body cap (256 MiB)."""
import gzip
import socket
import zlib
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import Lossd

DECOMPRESSED_CAP = 256 * 1024 * 1024
MEMORY_BUDGET = 768 * 1024 * 1024  # --memory-budget-bytes' default


def peak_rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def zeros_bomb(megabytes):
    """`{"input":[0,0,...,0],"target":[]}` of about `megabytes` MB, gzipped as a stream."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"0," * (1 << 20)
    parts = [compressor.compress(b'{"input":[')]
    for _ in range(megabytes // 2):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(b'0],"target":[]}'))
    parts.append(compressor.flush())
    return b"".join(parts)


def test_gzip_bomb_is_refused_within_twice_the_decompressed_cap():
    server = Lossd()
    try:
        body = zeros_bomb(255)
        assert len(body) < 1 << 20
        before = peak_rss_bytes(server.process.pid)
        r = requests.post(server.url + "/v1/loss/mse_loss", data=body, timeout=120,
                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
        assert r.status_code == 413
        assert r.json()["code"] == "BODY_TOO_LARGE"
        assert "values" in r.json()["detail"]
        peak = peak_rss_bytes(server.process.pid)
        print(f"peak RSS {peak / 2**20:.0f} MiB (before the request {before / 2**20:.0f} MiB)")
        assert peak < 2 * DECOMPRESSED_CAP
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    finally:
        server.stop()


def test_value_budget_is_configurable_and_counts_every_value(tmp_path):
    server = Lossd(["--max-json-values", "1000"])
    try:
        ok = requests.post(server.url + "/v1/loss/mse_loss", json={"input": [0.0] * 400, "target": [0.0] * 400})
        assert ok.status_code == 200
        for body in ({"input": [0.0] * 600, "target": [0.0] * 600},
                     {"input": [[0.0]] * 1200, "target": []},
                     {"input": [0.0, None] * 600, "target": []}):
            r = requests.post(server.url + "/v1/loss/mse_loss", json=body)
            assert r.status_code == 413 and r.json()["code"] == "BODY_TOO_LARGE"
    finally:
        server.stop()


def post_bomb(url, body):
    return requests.post(url + "/v1/loss/mse_loss", data=body, timeout=300,
                         headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})


def test_three_bombs_at_once_stay_within_the_process_wide_budget():
    """Three such bombs at once once peaked at 5.5 GB. Now each reserves its inflated bytes and its
    working set in the process-wide budget (--memory-budget-bytes, 768 MiB): one runs, the others
    are answered 503 with Retry-After once their inflated bytes no longer fit, and the peak stays
    within the budget (plus the process's own few tens of MiB)."""
    server = Lossd()
    try:
        body = zeros_bomb(255)
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: post_bomb(server.url, body), range(3)))
        statuses = sorted(r.status_code for r in answers)
        assert set(statuses) <= {413, 503} and 413 in statuses, statuses
        for r in answers:
            if r.status_code == 503:
                assert r.json()["code"] == "OVERLOADED" and int(r.headers["Retry-After"]) >= 1
        peak = peak_rss_bytes(server.process.pid)
        print(f"answers {statuses}, peak RSS {peak / 2**20:.0f} MiB")
        assert peak < MEMORY_BUDGET + 64 * 1024 * 1024
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    finally:
        server.stop()


def test_a_declared_body_that_does_not_fit_is_refused_before_it_is_sent():
    """The budget is checked when the head arrives: a client declaring a body beside another
    one that holds the budget gets its 503 without sending a byte of its own body."""
    server = Lossd(["--memory-budget-bytes", str(10 << 20)])
    try:
        holder = socket.create_connection(("127.0.0.1", server.port))
        holder.sendall(b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 8000000\r\n\r\n{\"input\":[")
        second = socket.create_connection(("127.0.0.1", server.port))
        second.settimeout(10)
        second.sendall(b"POST /v1/loss/mse_loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 8000000\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += second.recv(65536)
        head = answer.split(b"\r\n\r\n")[0].decode()
        assert head.startswith("HTTP/1.1 503"), head
        assert "Retry-After: 1" in head and "Connection: close" in head
        holder.close()
        second.close()
        metrics = requests.get(server.url + "/metrics", timeout=5).text
        assert any(line.startswith("lossd_shed_total") and not line.endswith(" 0")
                   for line in metrics.splitlines()), "the refusal is counted with the shed requests"
    finally:
        server.stop()
