"""A client's half-close (shutdown(SHUT_WR)) ends its sending, not its reading: every complete
request pipelined before it is answered, in order, then lossd closes the connection."""
import json
import random
import socket
import threading

import pytest


def post(path, document):
    body = json.dumps(document).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def get(path):
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode()


def job(rows, columns, seed):
    rng = random.Random(seed)
    return {"input": [[round(rng.uniform(-3, 3), 4) for _ in range(columns)] for _ in range(rows)],
            "target": [rng.randrange(columns) for _ in range(rows)]}


SMALL = post("/v1/loss/cross_entropy", job(2, 3, 1))
LARGE = post("/v1/loss/cross_entropy", job(40, 1000, 2))  # about 200 KB, several reads
assert len(LARGE) > 150_000
CATALOGUE = get("/v1/losses")
HEALTH = get("/healthz")


def responses_after_half_close(port, requests):
    """Sends the pipelined requests and the half-close (from a thread, so that answers to large
    bodies are read meanwhile), then reads until lossd closes: the list of (status, body)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)

    def send():
        sock.sendall(b"".join(requests))
        sock.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    data = b""
    while chunk := sock.recv(1 << 16):
        data += chunk
    sender.join()
    sock.close()
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(fields.get("content-length", "0"))
        answers.append((int(lines[0].split()[1]), rest[:length]))
        data = rest[length:]
    return answers


@pytest.mark.parametrize("mix", [
    [SMALL, SMALL, SMALL],
    [SMALL, CATALOGUE, CATALOGUE],
    [CATALOGUE, CATALOGUE, CATALOGUE],
    [LARGE, SMALL, LARGE],
    [HEALTH, LARGE, CATALOGUE, HEALTH],
], ids=["post-post-post", "post-get-get", "get-get-get", "large-small-large", "probe-large-get-probe"])
def test_every_request_before_the_half_close_is_answered_in_order(lossd, mix):
    answers = responses_after_half_close(lossd.port, mix)
    assert [status for status, _ in answers] == [200] * len(mix)
    for request, (_, body) in zip(mix, answers):
        document = json.loads(body)
        if request in (SMALL, LARGE):
            assert document["loss"] == "cross_entropy"
        elif request == CATALOGUE:
            assert "cross_entropy" in json.dumps(document)
        else:
            assert document == {"status": "ok"}
