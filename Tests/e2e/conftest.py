"""Fixtures for the end-to-end tests: a lossd process from $LOSSD_BIN on an ephemeral loopback
port, and helpers shared by the test files."""
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
GOLDEN_DIR = REPO / "Tests" / "LossKernelsTests" / "Golden"


def lossd_binary() -> str:
    path = os.environ.get("LOSSD_BIN")
    if not path:
        pytest.fail("LOSSD_BIN must name the lossd binary (scripts/test.sh sets it)")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lossd:
    """A running lossd: its base URL and process."""

    def __init__(self, args=(), env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.log = open(os.devnull, "wb")
        self.process = subprocess.Popen(
            [lossd_binary(), "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
            stdout=self.log, stderr=subprocess.PIPE, env=full_env)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"lossd exited with {self.process.returncode}: "
                                   f"{self.process.stderr.read().decode(errors='replace')}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("lossd did not answer /healthz within 30 s")
            time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def lossd():
    """One lossd for the whole session, with default settings."""
    server = Lossd()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def url(lossd):
    return lossd.url


@pytest.fixture(scope="session")
def http():
    """A keep-alive HTTP session."""
    with requests.Session() as s:
        yield s
