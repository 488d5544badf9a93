#!/usr/bin/env python3
"""Peak RSS (VmHWM) of a fresh lossd per request (README "Memory"): the gzip bomb, a plain 60 MB
body of zeros, and a plain JSON body of 2 x 1.5M float32 values written as Python floats (a successful mse_loss).
Usage: python scripts/measure-memory.py LOSSD_BINARY... (a Python with numpy and requests; each
binary is labelled by the name of its folder)."""
import os, socket, subprocess, sys, time, zlib, json
import numpy as np, requests
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "e2e"))
from test_memory_budget import zeros_bomb

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
def run(binary, body, headers):
    p = port()
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(p), "--log-level", "error"])
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{p}/healthz", timeout=1); break
            except Exception: time.sleep(0.1)
        before = hwm(proc.pid)
        r = requests.post(f"http://127.0.0.1:{p}/v1/loss/mse_loss", data=body, headers=headers, timeout=300)
        return r.status_code, before, hwm(proc.pid)
    finally:
        proc.terminate(); proc.wait()

bomb = zeros_bomb(255)
plain = b'{"input":[' + b"0," * (30 * 1024 * 1024 - 1) + b'0],"target":[]}'
rng = np.random.default_rng(1)
x = rng.standard_normal(1_500_000).astype(np.float32)
floats = json.dumps({"input": x.tolist(), "target": x[::-1].tolist()}).encode()
cases = [("gzip bomb (255 MB of zeros)", bomb, {"Content-Encoding": "gzip"}),
         (f"plain {len(plain)/1e6:.0f} MB of zeros", plain, {}),
         (f"plain {len(floats)/1e6:.0f} MB, 2x1.5M float32 as Python floats", floats, {})]
for binary in sys.argv[1:]:
    for name, body, h in cases:
        status, before, peak = run(binary, body, {"Content-Type": "application/json", **h})
        print(f"{os.path.basename(os.path.dirname(os.path.abspath(binary)))} | {name} | {status} | peak {peak:.0f} MiB (idle {before:.0f})", flush=True)
