"""Fixtures: a real lossd started from $LOSSD_BIN on a free loopback port, and a scripted HTTP
server for the answers a healthy lossd rarely gives (503s, dropped connections, silence)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import lossd


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LossdProcess:
    """A lossd process serving on ``url`` until :meth:`stop`; its JSON log lines go to
    ``log`` when given."""

    def __init__(self, *args: str, log: Path | None = None) -> None:
        binary = os.environ.get("LOSSD_BIN")
        if not binary:
            pytest.fail("LOSSD_BIN must name the lossd binary (scripts/test.sh sets it)")
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
                                        stdout=log.open("wb") if log else subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        with lossd.Client(self.url, retries=0, timeout=2) as probe:
            for _ in range(600):
                if self.process.poll() is not None:
                    raise RuntimeError(f"lossd exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
                try:
                    probe.health()
                    return
                except lossd.ConnectionFailed:
                    time.sleep(0.05)
        self.stop()
        raise RuntimeError("lossd did not come up within 30 s")

    def stop(self) -> None:
        """Stops the process (SIGKILL: no drain wait)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


@pytest.fixture(scope="session")
def server() -> Iterator[LossdProcess]:
    """One lossd with default settings for the whole session."""
    process = LossdProcess()
    yield process
    process.stop()


@pytest.fixture
def client(server: LossdProcess) -> Iterator[lossd.Client]:
    """A client of the session's lossd."""
    with lossd.Client(server.url) as c:
        yield c


@pytest.fixture
def lossd_process() -> Iterator[Callable[..., LossdProcess]]:
    """Starts lossd processes with extra arguments; stops them after the test."""
    started: list[LossdProcess] = []

    def start(*args: str, log: Path | None = None) -> LossdProcess:
        started.append(LossdProcess(*args, log=log))
        return started[-1]

    yield start
    for process in started:
        process.stop()


#: A scripted answer: (status, headers, body), "drop" to close the connection unanswered, or
#: ("sleep", seconds) to hold the connection silent.
Step = Any


class ScriptedServer:
    """An HTTP/1.1 server on loopback answering requests with ``script`` in order (the last step
    repeats), recording each request's method, path, headers and body."""

    def __init__(self, script: list[Step]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                scripted.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers), "body": self.rfile.read(length)})
                step = scripted.script[min(len(scripted.requests), len(scripted.script)) - 1]
                if step == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if step[0] == "sleep":
                    time.sleep(step[1])
                    self.close_connection = True
                    return
                status, headers, body = step
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stops serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted() -> Iterator[Callable[[list[Step]], ScriptedServer]]:
    """Starts scripted servers; stops them after the test."""
    servers: list[ScriptedServer] = []

    def start(script: list[Step]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def problem(status: int, code: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """A problem+json answer step."""
    document = {"type": f"urn:lossd:problem:{code.lower()}", "title": code, "status": status,
                "detail": f"{code} detail", "code": code, "errors": []}
    return status, {"Content-Type": "application/problem+json", **(headers or {})}, json.dumps(document).encode()

