"""Issue 18.2: memory per request is bounded before it is spent. A 260 KB gzip body inflating to
268 MB of `{"input":[0,0,...],"target":[]}` once raised lossd's peak RSS to 3.0 GB before its 422;
now the JSON reader stops at --max-json-values and answers 413, and the peak stays under twice
the decompressed-body cap (256 MiB)."""
import gzip
import zlib

import requests

from conftest import Lossd

DECOMPRESSED_CAP = 256 * 1024 * 1024


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
