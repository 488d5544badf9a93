"""gzip and deflate both ways: compressed request bodies, compressed answers per Accept-Encoding."""
import gzip
import json
import zlib

import pytest
import requests


def big_job():
    return {"input": [[float(i % 7) for i in range(100)] for _ in range(32)], "target": [i % 100 for i in range(32)]}


def test_gzip_request_body_is_inflated(http, url):
    body = gzip.compress(json.dumps(big_job()).encode())
    r = http.post(url + "/v1/loss/cross_entropy", data=body,
                  headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text
    assert len(r.json()["grad"]) == 32


def test_deflate_request_body_is_inflated(http, url):
    body = zlib.compress(json.dumps(big_job()).encode())
    r = http.post(url + "/v1/loss/cross_entropy", data=body,
                  headers={"Content-Type": "application/json", "Content-Encoding": "deflate"})
    assert r.status_code == 200, r.text


def test_large_answer_is_gzipped_when_accepted(url):
    raw = requests.post(url + "/v1/loss/cross_entropy", json=big_job(),
                        headers={"Accept-Encoding": "gzip"}, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in raw.headers["Vary"]
    wire = raw.raw.read(decode_content=False)
    assert int(raw.headers["Content-Length"]) == len(wire)
    assert len(json.loads(gzip.decompress(wire))["grad"]) == 32


@pytest.mark.parametrize("coding,decode", [("gzip", gzip.decompress), ("deflate", zlib.decompress)])
def test_compressed_answer_decodes_to_the_identity_answer(url, coding, decode):
    # lossd's default huffman-only encoder, read back by Python's zlib: byte for byte the same
    # JSON as the uncompressed answer, and under half its size.
    identity = requests.post(url + "/v1/loss/cross_entropy", json=big_job(), headers={"Accept-Encoding": "identity"})
    raw = requests.post(url + "/v1/loss/cross_entropy", json=big_job(), headers={"Accept-Encoding": coding}, stream=True)
    assert raw.headers["Content-Encoding"] == coding
    wire = raw.raw.read(decode_content=False)
    assert decode(wire) == identity.content
    assert len(wire) < len(identity.content) / 2


def test_identity_when_gzip_refused(http, url):
    r = http.post(url + "/v1/loss/cross_entropy", json=big_job(), headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in r.headers
    assert r.status_code == 200


def test_small_answers_are_not_compressed(http, url):
    r = http.get(url + "/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in r.headers
