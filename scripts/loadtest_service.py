#!/usr/bin/env python3
"""Load and fault campaign against a running lossd on loopback (driven by
scripts/loadtest-service.sh, which starts the server and passes its PID).

N keep-alive connections post a mix of valid and invalid jobs for a bounded time while fault
clients disconnect mid-request and mid-response, send garbage and stall their headers, and
(with --silent-connections) an attacker holds that many connections that send nothing,
reconnecting each one the server closes, and (with --bombers) attackers post gzip bombs (a 260 KB
body inflating to 255 MB of JSON zeros) one after another, each to be refused with 413, or 503
when the memory budget is held by the others. The
campaign samples the server's RSS and open descriptors from /proc/PID, then prints the figures
and a verdict: it fails on any 5xx other than a deliberate 503 (OVERLOADED with Retry-After),
on an answer that does not match the request's kind, on a truncated response, on descriptors
that did not come back to their starting count, and on RSS that kept growing after warm-up.
Standard library only; every loop stops at the deadline."""
import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import statistics
import struct
import sys
import threading
import time
import zlib


def job(rows, columns, seed, target_shift=0):
    rng = random.Random(seed)
    values = [[round(rng.uniform(-4, 4), 3) for _ in range(columns)] for _ in range(rows)]
    return {"input": values, "target": [(rng.randrange(columns) + target_shift) for _ in range(rows)]}


def request(method, path, body=b"", headers=()):
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    head += [f"{k}: {v}" for k, v in headers]
    if body or method == "POST":
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


JSON = ("Content-Type", "application/json")
SMALL = json.dumps(job(4, 10, 1)).encode()
MEDIUM = json.dumps(job(32, 1000, 2)).encode()
SHAPE_MISMATCH = json.dumps({"input": [[0.1, 0.2]], "target": [0, 1]}).encode()
OUT_OF_RANGE = json.dumps(job(4, 10, 3, target_shift=10)).encode()
GZIPPED = gzip.compress(MEDIUM, compresslevel=1)

# (name, weight, request bytes, statuses expected besides a deliberate 503)
MIX = [
    ("small-valid", 50, request("POST", "/v1/loss/cross_entropy", SMALL, [JSON]), {200}),
    ("medium-valid", 10, request("POST", "/v1/loss/cross_entropy", MEDIUM, [JSON]), {200}),
    ("medium-gzip-both-ways", 5, request("POST", "/v1/loss/cross_entropy", GZIPPED,
                                         [JSON, ("Content-Encoding", "gzip"), ("Accept-Encoding", "gzip")]), {200}),
    ("batch-one-bad", 5, request("POST", "/v1/batch", json.dumps({"jobs": [
        {"loss": "cross_entropy", **job(2, 5, 4)}, {"loss": "cross_entropy", "input": [[1.0]], "target": [3]},
    ]}).encode(), [JSON]), {200}),
    ("shape-mismatch", 8, request("POST", "/v1/loss/cross_entropy", SHAPE_MISMATCH, [JSON]), {422}),
    ("target-out-of-range", 5, request("POST", "/v1/loss/cross_entropy", OUT_OF_RANGE, [JSON]), {422}),
    ("malformed-json", 5, request("POST", "/v1/loss/mse_loss", b'{"input": [1, 2', [JSON]), {400}),
    ("unknown-loss", 4, request("POST", "/v1/loss/no_such_loss", SMALL, [JSON]), {404}),
    ("wrong-media-type", 3, request("POST", "/v1/loss/cross_entropy", SMALL, [("Content-Type", "text/plain")]), {415}),
    ("catalogue", 5, request("GET", "/v1/losses"), {200}),
]
WEIGHTS = [m[1] for m in MIX]


class Stats:
    def __init__(self):
        self.by_kind = {}
        self.unexpected = []
        self.latencies = []
        self.connections_opened = 0
        self.faults = {}
        self.truncated = 0
        self.idle_closes = 0
        self.silent_opened = 0
        self.silent_closed_by_server = 0
        self.silent_connect_errors = 0

    def record(self, kind, status, latency, expected, retry_after):
        counts = self.by_kind.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1
        self.latencies.append(latency)
        deliberate_503 = status == 503 and retry_after is not None
        if status not in expected and not deliberate_503:
            self.unexpected.append((kind, status))

    def fault(self, name):
        self.faults[name] = self.faults.get(name, 0) + 1


async def read_response(reader):
    """(status, headers dict lower-cased, body) of one response; raises on truncation."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def worker(port, deadline, stats, rng):
    reader = writer = None
    reused = False
    while time.monotonic() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            stats.connections_opened += 1
            reused = False
        kind, _, payload, expected = rng.choices(MIX, weights=WEIGHTS)[0]
        started = time.monotonic()
        try:
            writer.write(payload)
            await writer.drain()
            status, headers, body = await read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            if reused and (not isinstance(error, asyncio.IncompleteReadError) or not error.partial):
                # The server closed this keep-alive connection while it was idle (evicted to make
                # room in a full table) before our request reached it: as HTTP clients do, retry
                # on a new connection. Nothing of an answer was lost.
                stats.idle_closes += 1
                writer.close()
                writer = None
                continue
            stats.truncated += 1
            stats.unexpected.append((kind, f"broken connection: {error!r}"))
            writer.close()
            writer = None
            continue
        stats.record(kind, status, time.monotonic() - started, expected, headers.get("retry-after"))
        reused = True
        if headers.get("connection", "").lower() == "close":
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def abortive_close(writer):
    """Close with RST (SO_LINGER 0), as a crashed client would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # the server closed it first (refused at a full table)
    writer.close()


async def fault_client(port, deadline, stats, rng):
    big = json.dumps(job(256, 1000, 5)).encode()
    while time.monotonic() < deadline:
        fault = rng.choice(["mid-request", "mid-request-rst", "mid-response", "mid-response-rst", "garbage",
                            "stalled-headers"])
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if fault.startswith("mid-request"):
                full = request("POST", "/v1/loss/cross_entropy", big, [JSON])
                writer.write(full[: rng.randrange(20, len(full) - 1)])
                await writer.drain()
                await asyncio.sleep(rng.uniform(0, 0.2))
            elif fault.startswith("mid-response"):
                writer.write(request("POST", "/v1/loss/cross_entropy", big, [JSON, ("Accept-Encoding", "identity")]))
                await writer.drain()
                # Bounded: a shed request's 503 is shorter than what may be asked for here, and
                # the kept-alive connection would then stay open until the idle timeout (65 s).
                await asyncio.wait_for(reader.readexactly(rng.randrange(1, 4096)), timeout=5)
            elif fault == "garbage":
                writer.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))) + b"\r\n\r\n")
                await writer.drain()
                await asyncio.wait_for(reader.read(65536), timeout=5)
            else:
                writer.write(b"POST /v1/loss/cross_entropy HTTP/1.1\r\nHost: x\r\n")
                await writer.drain()
                await asyncio.sleep(rng.uniform(0.1, 1.0))
            if fault.endswith("-rst"):
                abortive_close(writer)
            else:
                writer.close()
            stats.fault(fault)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
            stats.fault(fault + " (server closed first: " + type(error).__name__ + ")")
        await asyncio.sleep(rng.uniform(0, 0.05))


def gzip_bomb():
    """`{"input":[0,0,...],"target":[]}` of 255 MB, gzipped to about 260 KB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"0," * (1 << 20)
    parts = [compressor.compress(b'{"input":[')] + [compressor.compress(chunk) for _ in range(255 // 2)]
    parts += [compressor.compress(b'0],"target":[]}'), compressor.flush()]
    return request("POST", "/v1/loss/mse_loss", b"".join(parts), [JSON, ("Content-Encoding", "gzip")])


async def bomber(port, deadline, stats, bomb):
    """One attacker posting `bomb` on a fresh connection after each answer, until the deadline."""
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(bomb)
            await writer.drain()
            status, headers, _ = await asyncio.wait_for(read_response(reader), timeout=120)
            stats.record("gzip-bomb", status, time.monotonic() - started, {413}, headers.get("retry-after"))
            writer.close()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError) as error:
            stats.fault("gzip-bomb (" + type(error).__name__ + ")")
            await asyncio.sleep(0.1)


async def silent_client(port, deadline, stats, delay):
    """One attacker's connection, from `delay` seconds on (once the clients have started: opened
    together with them, the clients' first connections are as silent as the attacker's until
    this event loop gets round to writing their requests): connects and sends nothing; when the
    server closes it (first-byte timeout, or evicted to make room), connects again, until the
    deadline."""
    await asyncio.sleep(delay)
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats.silent_connect_errors += 1
            await asyncio.sleep(0.1)
            continue
        stats.silent_opened += 1
        try:
            await asyncio.wait_for(reader.read(1), timeout=max(0.01, deadline - time.monotonic()))
            stats.silent_closed_by_server += 1
        except asyncio.TimeoutError:
            pass
        except ConnectionError:
            stats.silent_closed_by_server += 1
        writer.close()


def proc_figures(pid):
    with open(f"/proc/{pid}/status") as f:
        rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return rss_kib * 1024, len(os.listdir(f"/proc/{pid}/fd"))


async def sampler(pid, deadline, samples):
    while time.monotonic() < deadline:
        samples.append((time.monotonic(), *proc_figures(pid)))
        await asyncio.sleep(1)


def prober(port, deadline, outcomes):
    """GET /healthz and /readyz in turn on a fresh connection five times a second, as an
    orchestrator does: liveness and readiness must answer, fast, under load. A thread with
    blocking sockets, so that its request follows its connect at once, as a kubelet's does,
    however busy the event loop of the other clients is."""
    paths = ["/healthz", "/readyz"]
    while time.monotonic() < deadline:
        started = time.monotonic()
        paths.reverse()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(request("GET", paths[0], headers=[("Connection", "close")]))
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else f"no answer: {answer[:40]!r}"
            outcomes.append((status, time.monotonic() - started))
        except OSError as error:
            outcomes.append((repr(error), time.monotonic() - started))
        time.sleep(0.2)


async def campaign(args):
    stats = Stats()
    start = time.monotonic()
    deadline = start + args.seconds
    samples = []
    stats.probes = []
    tasks = [asyncio.create_task(worker(args.port, deadline, stats, random.Random(i))) for i in range(args.connections)]
    tasks += [asyncio.create_task(fault_client(args.port, deadline, stats, random.Random(10_000 + i)))
              for i in range(args.fault_clients)]
    tasks += [asyncio.create_task(silent_client(args.port, deadline, stats, args.silent_delay))
              for _ in range(args.silent_connections)]
    if args.bombers:
        bomb = gzip_bomb()
        tasks += [asyncio.create_task(bomber(args.port, deadline, stats, bomb)) for _ in range(args.bombers)]
    tasks.append(asyncio.create_task(sampler(args.pid, deadline, samples)))
    probe_thread = threading.Thread(target=prober, args=(args.port, deadline, stats.probes))
    probe_thread.start()
    await asyncio.gather(*tasks)
    await asyncio.to_thread(probe_thread.join)
    return stats, samples, time.monotonic() - start


def dropped_connections(port):
    """{reason: count} of lossd_connections_dropped_total from /metrics."""
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("lossd_connections_dropped_total{"):
            reason = line.split('reason="', 1)[1].split('"', 1)[0]
            counts[reason] = int(float(line.rsplit(" ", 1)[1]))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--fault-clients", type=int, default=8)
    parser.add_argument("--silent-connections", type=int, default=0,
                        help="connections that send nothing, reopened whenever the server closes one")
    parser.add_argument("--silent-delay", type=float, default=2,
                        help="seconds after the clients' start at which the silent connections open")
    parser.add_argument("--bombers", type=int, default=0,
                        help="attackers posting 255 MB gzip bombs one after another")
    parser.add_argument("--warmup", type=float, default=10, help="seconds before the RSS baseline is taken")
    args = parser.parse_args()

    rss_start, fds_start = proc_figures(args.pid)
    stats, samples, elapsed = asyncio.run(campaign(args))
    # The server closes what the clients left (lingering closes, stalled headers): wait for the
    # descriptor count to come back, at most 20 s.
    settle_start = time.monotonic()
    while True:
        rss_end, fds_end = proc_figures(args.pid)
        if fds_end <= fds_start or time.monotonic() - settle_start > 20:
            break
        time.sleep(0.5)
    settle = time.monotonic() - settle_start

    total = sum(sum(c.values()) for c in stats.by_kind.values())
    statuses = {}
    for counts in stats.by_kind.values():
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    five_xx = {s: n for s, n in statuses.items() if s >= 500}
    latencies = sorted(stats.latencies)
    after_warmup = [s for s in samples if s[0] - samples[0][0] >= args.warmup] if samples else []
    rss_warm = after_warmup[0][1] if after_warmup else rss_start
    rss_peak = max((s[1] for s in samples), default=rss_start)
    rss_load_end = samples[-1][1] if samples else rss_end
    fds_peak = max((s[2] for s in samples), default=fds_start)

    print(f"duration            {elapsed:.1f} s, {args.connections} keep-alive connections, "
          f"{args.fault_clients} fault clients, {args.silent_connections} silent connections, {args.bombers} bombers")
    print(f"requests            {total} answered ({total / elapsed:.0f}/s), {stats.connections_opened} connections opened")
    print(f"statuses            " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    for kind, counts in sorted(stats.by_kind.items()):
        print(f"  {kind:22s}" + ", ".join(f"{s}: {n}" for s, n in sorted(counts.items())))
    if latencies:
        print(f"latency             p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    probe_times = sorted(t for _, t in stats.probes)
    if probe_times:
        answered = sum(1 for s, _ in stats.probes if s == 200)
        print(f"probes under load   {len(probe_times)} (/healthz and /readyz), {answered} answered 200 "
              f"({100 * answered / len(probe_times):.1f}%), p50 {statistics.median(probe_times) * 1000:.1f} ms, "
              f"max {probe_times[-1] * 1000:.1f} ms")
    if args.silent_connections:
        print(f"silent connections  {stats.silent_opened} opened, {stats.silent_closed_by_server} closed by the server "
              f"(first-byte timeout or evicted), {stats.silent_connect_errors} connect errors; "
              f"{stats.idle_closes} idle keep-alive client connections closed by the server and retried")
    print(f"connections dropped " + ", ".join(f"{k}: {n}" for k, n in sorted(dropped_connections(args.port).items())))
    print(f"faults              " + ", ".join(f"{k}: {n}" for k, n in sorted(stats.faults.items())))
    print(f"5xx                 {five_xx or 'none'} (503s with Retry-After are deliberate load shedding)")
    print(f"RSS                 start {rss_start / 2**20:.1f} MiB, after {args.warmup:.0f} s warm-up "
          f"{rss_warm / 2**20:.1f} MiB, peak {rss_peak / 2**20:.1f} MiB, end of load {rss_load_end / 2**20:.1f} MiB, "
          f"idle after {rss_end / 2**20:.1f} MiB")
    print(f"descriptors         before {fds_start}, peak {fds_peak}, after {fds_end} ({settle:.1f} s after the load)")

    failures = []
    if stats.unexpected:
        failures.append(f"{len(stats.unexpected)} unexpected answers, e.g. {stats.unexpected[:5]}")
    if stats.truncated:
        failures.append(f"{stats.truncated} responses cut off or connections broken mid-exchange")
    if fds_end > fds_start:
        failures.append(f"descriptor leak: {fds_start} before, {fds_end} after")
    if rss_load_end > 1.5 * rss_warm + 32 * 2**20:
        failures.append(f"RSS grew after warm-up: {rss_warm / 2**20:.1f} -> {rss_load_end / 2**20:.1f} MiB")
    if not total:
        failures.append("no request was answered")
    if any(s != 200 for s, _ in stats.probes):
        failed = [s for s, _ in stats.probes if s != 200]
        failures.append(f"{len(failed)} liveness or readiness probes failed under load, e.g. {failed[:3]}")
    for failure in failures:
        print("FAIL: " + failure)
    print("verdict             " + ("FAIL" if failures else "PASS"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
