"""TLS from the executable: --tls-cert/--tls-key (and LOSSD_TLS_CERT/LOSSD_TLS_KEY) switch the
listener to HTTPS; checked with curl against a certificate made in the test with openssl."""
import json
import shutil
import subprocess

import pytest

from ops_support import VALID_JOB, OpsLossd, run_lossd

pytestmark = pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("curl")),
                                reason="needs openssl and curl (.ci/run installs them)")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True)
    return str(cert), str(key)


def curl(*args):
    done = subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True)
    return done.returncode, done.stdout, done.stderr.decode(errors="replace")


def test_curl_verifies_the_certificate_and_gets_answers(certificate):
    cert, key = certificate
    lossd = OpsLossd(args=["--tls-cert", cert, "--tls-key", key], tls_ca=cert)
    try:
        code, out, err = curl("--cacert", cert, "-w", "\n%{http_code} %{ssl_verify_result}",
                              f"https://127.0.0.1:{lossd.port}/healthz")
        assert code == 0, err
        body, trailer = out.rsplit(b"\n", 1)
        assert json.loads(body) == {"status": "ok"}
        assert trailer == b"200 0"
        code, out, err = curl("--cacert", cert, "-H", "Content-Type: application/json",
                              "--data-binary", json.dumps(VALID_JOB), "--compressed",
                              f"https://127.0.0.1:{lossd.port}/v1/loss/cross_entropy")
        assert code == 0, err
        assert "value" in json.loads(out)
        for version in ("--tlsv1.2", "--tlsv1.3"):
            code, out, err = curl("--cacert", cert, version, f"https://127.0.0.1:{lossd.port}/readyz")
            assert code == 0, (version, err)
    finally:
        lossd.stop()


def test_the_environment_twins_enable_tls_and_plain_http_gets_no_answer(certificate):
    cert, key = certificate
    lossd = OpsLossd(env={"LOSSD_TLS_CERT": cert, "LOSSD_TLS_KEY": key}, tls_ca=cert)
    try:
        assert lossd.get("/healthz")[0] == 200
        code, out, _ = curl(f"http://127.0.0.1:{lossd.port}/healthz")
        assert not out.startswith(b"HTTP/1.1 200") and b'"status":"ok"' not in out
        assert lossd.get("/healthz")[0] == 200, "a plaintext client must not hurt the server"
    finally:
        lossd.stop()


def test_a_certificate_without_its_key_is_refused_at_start(certificate):
    cert, _ = certificate
    status, _, stderr = run_lossd(["serve", "--port", "0", "--tls-cert", cert])
    assert status != 0 and "--tls-key" in stderr


def test_an_unreadable_key_is_refused_at_start(certificate):
    cert, _ = certificate
    status, _, stderr = run_lossd(["serve", "--port", "0", "--tls-cert", cert, "--tls-key", "/nonexistent/key.pem"])
    assert status != 0
