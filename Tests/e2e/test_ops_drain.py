"""SIGTERM under load: readiness turns 503 at once while liveness stays 200, the server keeps
serving through the grace period, every request sent before readiness turned 503 gets a
complete answer, no response is cut off mid-way, the listener then closes, and lossd exits 0."""
import http.client
import json
import socket
import threading
import time

from ops_support import OpsLossd, port_is_closed

GRACE = 2.0
DEADLINE = 15.0
CLIENTS = 8


def job_body():
    rows = [[((i * 31 + j * 17) % 23) / 7.0 for j in range(500)] for i in range(128)]
    return json.dumps({"input": rows, "target": [i % 500 for i in range(128)]}).encode()


class Outcomes:
    """What each client saw, with the time its request had been fully sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, kind, sent_at, detail=""):
        with self.lock:
            self.items.append((kind, sent_at, detail))


def client(port, body, outcomes, stop):
    connection = None
    while not stop.is_set():
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("POST", "/v1/loss/cross_entropy", body, {"Content-Type": "application/json"})
        except ConnectionRefusedError:
            outcomes.add("refused", time.monotonic())
            return  # the listener is closed: this client is done
        except OSError as error:
            outcomes.add("send-failed", time.monotonic(), repr(error))
            connection.close()
            connection = None
            continue
        sent_at = time.monotonic()
        try:
            response = connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            # Closed before any byte of an answer: the keep-alive close race, allowed only once the
            # listener is closing (checked by the test).
            outcomes.add("closed-before-response", sent_at, repr(error))
            connection.close()
            connection = None
            continue
        try:
            data = response.read()
            complete = len(data) == int(response.headers["Content-Length"])
            parsed = json.loads(data) if response.status == 200 else None
        except (http.client.IncompleteRead, ConnectionResetError, ValueError) as error:
            outcomes.add("cut-mid-response", sent_at, repr(error))
            connection.close()
            connection = None
            continue
        if response.status == 200 and complete and "value" in parsed:
            outcomes.add("ok", sent_at)
        else:
            outcomes.add(f"status-{response.status}", sent_at, data[:200])
        if response.headers.get("Connection", "").lower() == "close":
            connection.close()
            connection = None


def probe(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            head = s.recv(64)
        return int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else None
    except OSError:
        return None


def test_sigterm_under_load_drains_without_losing_or_cutting_a_request():
    lossd = OpsLossd(drain_grace=str(GRACE), env={"LOSSD_DRAIN_DEADLINE": str(DEADLINE)})
    body = job_body()
    outcomes, stop = Outcomes(), threading.Event()
    threads = [threading.Thread(target=client, args=(lossd.port, body, outcomes, stop)) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(1.5)  # load is running

    # A slow upload: head and half the body now, the rest during the grace period.
    slow = socket.create_connection(("127.0.0.1", lossd.port))
    slow.sendall(b"POST /v1/loss/cross_entropy HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[: len(body) // 2])

    ready_seen, live_during_grace = [], []
    signalled_at = time.monotonic()
    lossd.process.send_signal(15)
    first_503 = None
    while time.monotonic() - signalled_at < GRACE - 0.3:
        status = probe(lossd.port, "/readyz")
        ready_seen.append((time.monotonic(), status))
        if status == 503 and first_503 is None:
            first_503 = time.monotonic()
        live_during_grace.append(probe(lossd.port, "/healthz"))
        time.sleep(0.02)
    slow.sendall(body[len(body) // 2:])
    slow_answer = b""
    slow.settimeout(DEADLINE)
    while chunk := slow.recv(1 << 16):
        slow_answer += chunk
        head, _, rest = slow_answer.partition(b"\r\n\r\n")
        if rest and b"Content-Length:" in head:
            length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            if len(rest) >= length:
                break
    slow.close()

    exit_status = lossd.process.wait(timeout=GRACE + DEADLINE + 10)
    exited_at = time.monotonic()
    stop.set()
    for t in threads:
        t.join(timeout=40)

    assert exit_status == 0
    assert exited_at - signalled_at < GRACE + DEADLINE + 5
    assert first_503 is not None and first_503 - signalled_at < 0.5, ready_seen[:5]
    assert all(status == 200 for status in live_during_grace), "liveness must hold while draining"
    assert slow_answer.startswith(b"HTTP/1.1 200"), slow_answer[:200]

    items = outcomes.items
    ok = [i for i in items if i[0] == "ok"]
    assert ok, "the load produced no answer"
    sent_before_503 = [i for i in items if i[1] < first_503 and i[0] != "refused"]
    assert sent_before_503 and all(kind == "ok" for kind, _, _ in sent_before_503), \
        [i for i in sent_before_503 if i[0] != "ok"][:5]
    served_in_grace = [i for i in ok if first_503 < i[1] < signalled_at + GRACE - 0.3]
    assert served_in_grace, "the server must keep serving during the grace period"
    assert not [i for i in items if i[0] == "cut-mid-response"], "a response was cut off mid-way"
    assert not [i for i in items if i[0].startswith("status-")], [i for i in items if i[0].startswith("status-")][:3]
    early_closes = [i for i in items if i[0] in ("closed-before-response", "send-failed")
                    and i[1] < signalled_at + GRACE - 0.3]
    assert not early_closes, early_closes[:3]
    assert port_is_closed(lossd.port)
    print(f"drain: {len(ok)} answered, {len(sent_before_503)} sent before readiness 503, "
          f"{len(served_in_grace)} served in grace, exit after {exited_at - signalled_at:.2f} s")


def test_a_second_signal_exits_at_once():
    lossd = OpsLossd(drain_grace="30")
    lossd.process.send_signal(15)
    time.sleep(0.3)
    assert probe(lossd.port, "/readyz") == 503
    lossd.process.send_signal(2)
    assert lossd.process.wait(timeout=5) == 128 + 2


def test_sigint_drains_like_sigterm():
    lossd = OpsLossd(drain_grace="0.5")
    started = time.monotonic()
    lossd.process.send_signal(2)
    assert lossd.process.wait(timeout=20) == 0
    assert time.monotonic() - started >= 0.5
