"""What the Python client costs: requests/s and bytes on the wire of a cross entropy with
gradient through ``lossd.Client``, JSON vs safetensors, beside the same request bodies sent by a
bare httpx client (no conversion, no parsing: what HTTP on loopback costs) and the server-only
figure (its Server-Timing parse + compute + encode, without the socket I/O).

    python bench/overhead.py [--url URL] [--seconds 5] [--shapes 32x1000,4096x32000]

Without --url it starts $LOSSD_BIN on a free loopback port with body limits raised to 1 GiB
(the 4096x32000 job is a 524 MB safetensors body, over the default 64 MiB). Requests run one at
a time on one kept-alive connection, for --seconds per row (at least 3 requests). Figures move
with the machine's load: compare the columns of one run, not runs.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np

import lossd
from lossd import _wire

#: Largest JSON text the benchmark builds; 4096x32000 would be about 1.4 GB per request,
#: over lossd's default body limits and beyond what numpy's text conversion fits in memory here.
MAX_JSON_BYTES = 256 * 1024 * 1024


def start_lossd() -> tuple[subprocess.Popen[bytes], str]:
    """$LOSSD_BIN serving on a free loopback port with 1 GiB body limits."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([os.environ["LOSSD_BIN"], "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--max-body-bytes", str(1 << 30), "--max-decompressed-body-bytes", str(1 << 30),
                                "--log-level", "warning"], stdout=subprocess.DEVNULL,
                               env={k: v for k, v in os.environ.items() if k != "LOSSD_BIN"})
    url = f"http://127.0.0.1:{port}"
    with lossd.Client(url, retries=50, max_retry_wait=0.1) as probe_client:
        probe_client.health()
    return process, url


def timed(run: Callable[[], Any], seconds: float) -> tuple[float, list[Any]]:
    """Requests/s of ``run`` repeated for ``seconds`` (at least 3 times), and its results."""
    results = [run()]  # warm-up, not counted
    results.clear()
    started = time.perf_counter()
    while len(results) < 3 or time.perf_counter() - started < seconds:
        results.append(run())
    return len(results) / (time.perf_counter() - started), results


def measure(url: str, rows: int, classes: int, wire: str, seconds: float) -> dict[str, Any] | str:
    """One row of the table, or why it was not measured."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((rows, classes), dtype=np.float32)
    target = rng.integers(0, classes, rows)
    if wire == "json":
        estimate = len(_wire.dump_json(_wire.json_job({"input": logits[:1]}, {}, None))) * rows
        if estimate > MAX_JSON_BYTES:
            return f"not measured: about {estimate / 1e9:.1f} GB of JSON text per request"
    with lossd.Client(url, wire=wire, timeout=600) as client:
        client_rate, results = timed(lambda: client.loss("cross_entropy", logits, target), seconds)
        job = client._prepare("cross_entropy", logits, target, {})
    last: lossd.LossResult = results[-1]
    server_ms = float(np.mean([sum(r.server_timing.values()) for r in results]))
    arguments = client._http_request(job.request, pieces=True)  # the client's bytes, in its pieces
    with httpx.Client(timeout=600) as bare:
        def send() -> int:
            response = bare.request(**arguments)
            response.raise_for_status()
            return len(response.content)
        bare_rate, _ = timed(send, seconds)
    return {"client": client_rate, "bare": bare_rate, "server": 1000.0 / server_ms if server_ms else float("inf"),
            "up": last.bytes_sent, "down": last.bytes_received, "raw_up": logits.nbytes + target.nbytes}


def main() -> int:
    """Prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--shapes", default="32x1000,4096x32000")
    arguments = parser.parse_args()
    process, url = (None, arguments.url) if arguments.url else start_lossd()
    try:
        print(f"cross_entropy with gradient, float32, one connection, {arguments.seconds:g} s per row\n")
        print("| shape | wire | client req/s | bare httpx req/s | server-only req/s | client / bare "
              "| bytes up | bytes down |")
        print("|---|---|---|---|---|---|---|---|")
        for shape in arguments.shapes.split(","):
            rows, classes = (int(n) for n in shape.split("x"))
            for wire in ("json", "safetensors"):
                row = measure(url, rows, classes, wire, arguments.seconds)
                if isinstance(row, str):
                    print(f"| {shape} | {wire} | {row} | | | | | |")
                    continue
                print(f"| {shape} | {wire} | {row['client']:.3g} | {row['bare']:.3g} | {row['server']:.3g} | "
                      f"{row['client'] / row['bare']:.2f} | {row['up']:,} | {row['down']:,} |", flush=True)
    finally:
        if process:
            process.terminate()
            process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
