"""Helpers for the operations end-to-end tests (test_ops_*.py): a lossd process started with
chosen flags and environment whose stdout (the JSON log) is captured, and small request
builders. Shared by the ops tests only; conftest.py serves the API tests."""
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from conftest import free_port, lossd_binary

# A small valid job and two invalid ones (a 422 shape mismatch and a 400 malformed body).
VALID_JOB = {"input": [[0.1, 2.0, -1.0], [1.5, 0.2, 0.3]], "target": [1, 0]}
SHAPE_MISMATCH_JOB = {"input": [[0.1, 2.0, -1.0], [1.5, 0.2, 0.3]], "target": [1, 0, 2]}
MALFORMED_BODY = b'{"input": [1, 2'
# Every target ignored: mean over nothing, which raises ALL_TARGETS_IGNORED.
WARNING_JOB = {"input": [[0.1, 2.0, -1.0]], "target": [-100]}


class OpsLossd:
    """A lossd process on an ephemeral loopback port, stdout and stderr captured to files."""

    def __init__(self, args=(), env=None, tls_ca=None, drain_grace="0", start=True):
        self.port = free_port()
        self.scheme = "https" if tls_ca else "http"
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.tls_ca = tls_ca
        self.directory = tempfile.mkdtemp(prefix="lossd-ops-")
        self.stdout_path = os.path.join(self.directory, "stdout.log")
        self.stderr_path = os.path.join(self.directory, "stderr.log")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSD_")}
        full_env.setdefault("LOSSD_DRAIN_GRACE", drain_grace)
        full_env.update(env or {})
        self.env = full_env
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.process = None
        if start:
            self.start()

    def start(self):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([lossd_binary(), *self.args], stdout=out, stderr=err, env=self.env)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"lossd exited with {self.process.returncode}: {self.stderr()}")
            try:
                if self.get("/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("lossd did not answer /healthz within 30 s")
            time.sleep(0.05)

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.tls_ca) if self.tls_ca else None

    def request(self, method, path, body=None, headers=None, timeout=10):
        """(status, headers, body bytes) of one request on a fresh connection."""
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None and "Content-Type" not in request.headers:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.ssl_context()) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, path, headers=None, timeout=10):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def post(self, path, body, headers=None, timeout=10):
        return self.request("POST", path, body=body, headers=headers, timeout=timeout)

    def log_records(self):
        """Every JSON line written to stdout so far, parsed (a non-JSON line fails the test)."""
        with open(self.stdout_path, "rb") as f:
            return [json.loads(line) for line in f.read().splitlines() if line.strip()]

    def access_records(self):
        return [r for r in self.log_records() if r.get("logger") == "lossd.access"]

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, timeout=30):
        """SIGTERM, then the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            try:
                self.terminate(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def run_lossd(args=(), env=None, timeout=30):
    """Runs lossd to completion (for start-up errors): (exit status, stdout, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LOSSD_")}
    full_env.update(env or {})
    done = subprocess.run([lossd_binary(), *args], env=full_env, capture_output=True, timeout=timeout)
    return done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")


def port_is_closed(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0
