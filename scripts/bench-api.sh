#!/usr/bin/env bash
# lossd against the service a user would otherwise write: FastAPI + uvicorn (2 workers) +
# PyTorch (CPU), with orjson and safetensors, doing the same job. Both are driven with the same
# wrk load on loopback (2 threads, 16 connections), one after the other (never at once: the
# machine has 2 cores), and the script prints lossd/peer ratios of requests/s and p99 latency,
# and the CPU time each server spent per answered request (user + system seconds of its whole
# process tree from /proc, read before and after the timed load: lossd's one process, the peer's
# uvicorn parent and both workers summed), with the ratio peer / lossd. That ratio is the one
# the load generator does not distort: wrk's own CPU (it shares the 2 cores) counts for neither.
#
# Scenarios: cross_entropy with gradients on 32x1000 float32 as JSON, the same JSON with
# gzip responses (Accept-Encoding: gzip), and safetensors on 32x1000 and 8x50257.
# GZIP lists lossd's compression settings as LEVEL:STRATEGY (default "1:huffman-only", lossd's
# default); with GZIP="1:huffman-only 1:default 6:default" the gzip scenario is repeated for each,
# to choose the default with evidence.
#
# The peer reads the JSON input with numpy (np.array) and writes the gradient with orjson's numpy
# support (OPT_SERIALIZE_NUMPY), as orjson documents. A peer that goes through Python lists
# (torch.tensor(list), grad.tolist()) served only about half as many JSON requests here (216
# against 420 req/s): 420 is what the issue quotes for the peer (350-470), so that is the peer.
# Its GZipMiddleware uses PEER_GZIP_LEVEL (default 1, the fastest: 206 req/s here, against 70 at
# level 6 and 18 at Starlette's default 9).
#
# Access logs are off on both sides (lossd --log-level notice, uvicorn --no-access-log).
# Not part of CI. Needs wrk and a Python with torch (PEER_PYTHON, default /work/torchenv/bin/python;
# fastapi, uvicorn[standard], orjson and safetensors are pip-installed into it when missing).
# Usage: scripts/bench-api.sh            (DURATION=10 seconds per run)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
GZIP=${GZIP:-1:huffman-only}
PEER_GZIP_LEVEL=${PEER_GZIP_LEVEL:-1}
PEER_PYTHON=${PEER_PYTHON:-/work/torchenv/bin/python}
WORK=$(mktemp -d /tmp/lossd-bench.XXXXXX)
LOSSD_PORT=${LOSSD_PORT:-18480}
PEER_PORT=${PEER_PORT:-18490}
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }
"$PEER_PYTHON" -c "import torch" || { echo "PEER_PYTHON=$PEER_PYTHON has no torch"; exit 1; }
# uvicorn[standard] brings httptools and uvloop, which FastAPI's docs install and which make the
# peer about 3x faster on these bodies than uvicorn's pure-Python h11 default.
"$PEER_PYTHON" -c "import fastapi, uvicorn, httptools, uvloop, orjson, safetensors" 2>/dev/null ||
    "$PEER_PYTHON" -m pip install -q fastapi "uvicorn[standard]" orjson safetensors

swift build -c release --product lossd >/dev/null
LOSSD="$(swift build -c release --show-bin-path)/lossd"

# --- request bodies (the same bytes for both servers) -----------------------------------------
"$PEER_PYTHON" - "$WORK" <<'EOF'
import json, sys
import numpy as np
from safetensors.numpy import save
out = sys.argv[1]
rng = np.random.default_rng(7)
def job(n, c):
    return rng.standard_normal((n, c)).astype(np.float32), rng.integers(0, c, size=n).astype(np.int64)
x, t = job(32, 1000)
with open(f"{out}/ce32x1000.json", "w") as f:
    json.dump({"input": x.tolist(), "target": t.tolist()}, f)
with open(f"{out}/ce32x1000.safetensors", "wb") as f:
    f.write(save({"input": x, "target": t}))
x, t = job(8, 50257)
with open(f"{out}/ce8x50257.safetensors", "wb") as f:
    f.write(save({"input": x, "target": t}))
EOF

cat > "$WORK/post.lua" <<'EOF'
-- POSTs the file $BODY with Content-Type $CTYPE (and Accept-Encoding $AE when set).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CTYPE")
local ae = os.getenv("AE")
if ae and ae ~= "" then wrk.headers["Accept-Encoding"] = ae end
EOF

# --- the peer: what a user would write with FastAPI -------------------------------------------
cat > "$WORK/peer.py" <<'EOF'
import os
import numpy as np, orjson, torch, torch.nn.functional as F
from fastapi import FastAPI, Request, Response
from fastapi.middleware.gzip import GZipMiddleware
from safetensors.torch import load, save

torch.set_num_threads(1)  # two uvicorn workers share the two cores
app = FastAPI()
app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=int(os.environ["PEER_GZIP_LEVEL"]))

def run(x, t):
    x.requires_grad_(True)
    value = F.cross_entropy(x, t)
    value.backward()
    return value.detach(), x.grad

@app.post("/v1/loss/cross_entropy")
async def cross_entropy(request: Request):
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/octet-stream"):
        tensors = load(body)
        value, grad = run(tensors["input"].float(), tensors["target"].long())
        return Response(save({"value": value, "grad": grad}), media_type="application/octet-stream")
    job = orjson.loads(body)
    x = torch.from_numpy(np.array(job["input"], dtype=np.float32))
    value, grad = run(x, torch.tensor(job["target"]))
    return Response(orjson.dumps({"loss": "cross_entropy", "value": value.item(), "grad": grad.numpy()},
                                 option=orjson.OPT_SERIALIZE_NUMPY),
                    media_type="application/json")
EOF

wait_for() {  # url
    for _ in $(seq 1 1200); do
        curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
            --data-binary "@$WORK/ce32x1000.json" "$1" && return 0
        sleep 0.1
    done
    echo "server at $1 did not come up"; tail -20 "$WORK"/*.log; exit 1
}

# tree_cpu PID -> "CPU SWITCHES": user + system CPU seconds of PID and all its descendants
# (threads included; /proc/*/stat fields 14 and 15, in clock ticks), and the context switches,
# voluntary and not, of their threads (/proc/*/task/*/status; a thread that ends between two
# reads takes its count with it, so this undercounts when threads come and go).
tree_cpu() {
    "$PEER_PYTHON" - "$1" <<'EOF'
import os, sys
stats = {}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
tree, grew = {int(sys.argv[1])}, True
while grew:
    children = {pid for pid, (ppid, _) in stats.items() if ppid in tree} - tree
    tree |= children
    grew = bool(children)
switches = 0
for pid in tree:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        continue
    for task in tasks:
        try:
            for line in open(f"/proc/{pid}/task/{task}/status"):
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    switches += int(line.split()[1])
        except OSError:
            pass
print(sum(stats[pid][1] for pid in tree if pid in stats) / os.sysconf("SC_CLK_TCK"), switches)
EOF
}

# bench NAME URL BODY CTYPE AE -> appends "NAME req_per_s p99_ms non2xx errors cpu_ms_per_request
# switches_per_request"
# to $WORK/results, the CPU being that of the process tree $SERVER_PID during the timed run.
bench() {
    local name=$1 url=$2 body=$3 ctype=$4 ae=${5:-} cpu_before cpu_after
    BODY="$WORK/$body" CTYPE=$ctype AE=$ae wrk -t2 -c16 -d2s -s "$WORK/post.lua" "$url" >/dev/null  # warm-up
    cpu_before=$(tree_cpu "$SERVER_PID")
    BODY="$WORK/$body" CTYPE=$ctype AE=$ae wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/post.lua" "$url" \
        > "$WORK/$name.wrk"
    cpu_after=$(tree_cpu "$SERVER_PID")
    "$PEER_PYTHON" - "$WORK/$name.wrk" "$name" $cpu_before $cpu_after >> "$WORK/results" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
p99 = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
answered = int(re.search(r"(\d+) requests in", text).group(1))
cpu_ms = (float(sys.argv[5]) - float(sys.argv[3])) * 1e3 / answered
switches = (int(sys.argv[6]) - int(sys.argv[4])) / answered
print(sys.argv[2], rps, p99, int(bad.group(1)) if bad else 0, (errors.group(1).replace(" ", "") if errors else "-"),
      f"{cpu_ms:.4f}", f"{switches:.2f}")
EOF
    tail -1 "$WORK/results"
}

response_bytes() {  # url body ctype ae
    curl -s -o /dev/null -w '%{size_download}' -X POST -H "Content-Type: $3" ${4:+-H "Accept-Encoding: $4"} \
        --data-binary "@$WORK/$2" "$1"
}

: > "$WORK/results"
URL_LOSSD="http://127.0.0.1:$LOSSD_PORT/v1/loss/cross_entropy"
URL_PEER="http://127.0.0.1:$PEER_PORT/v1/loss/cross_entropy"

echo "== lossd ($LOSSD)"
"$LOSSD" serve --port "$LOSSD_PORT" --log-level notice >"$WORK/lossd.log" 2>&1 &
pids+=($!)
SERVER_PID=$!
wait_for "$URL_LOSSD"
bench lossd-json "$URL_LOSSD" ce32x1000.json application/json
bench lossd-st32x1000 "$URL_LOSSD" ce32x1000.safetensors application/octet-stream
bench lossd-st8x50257 "$URL_LOSSD" ce8x50257.safetensors application/octet-stream
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
for setting in $GZIP; do
    [[ $setting == *:* ]] || setting="$setting:default"  # a bare level: zlib's default strategy
    "$LOSSD" serve --port "$LOSSD_PORT" --log-level notice --compression-level "${setting%%:*}" \
        --compression-strategy "${setting#*:}" >"$WORK/lossd.log" 2>&1 &
    pids+=($!)
    SERVER_PID=$!
    wait_for "$URL_LOSSD"
    echo "   gzip $setting: $(response_bytes "$URL_LOSSD" ce32x1000.json application/json gzip) bytes on the wire" \
        "(identity $(response_bytes "$URL_LOSSD" ce32x1000.json application/json))"
    bench "lossd-gzip-$setting" "$URL_LOSSD" ce32x1000.json application/json gzip
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done

echo "== peer (FastAPI + uvicorn 2 workers + PyTorch $("$PEER_PYTHON" -c 'import torch; print(torch.__version__)'))"
(cd "$WORK" && PEER_GZIP_LEVEL=$PEER_GZIP_LEVEL exec "$PEER_PYTHON" -m uvicorn peer:app --host 127.0.0.1 --port "$PEER_PORT" --workers 2 \
    --http httptools --loop uvloop --log-level warning --no-access-log) >"$WORK/peer.log" 2>&1 &
pids+=($!)
SERVER_PID=$!
wait_for "$URL_PEER"
echo "   gzip level $PEER_GZIP_LEVEL: $(response_bytes "$URL_PEER" ce32x1000.json application/json gzip) bytes on the wire" \
    "(identity $(response_bytes "$URL_PEER" ce32x1000.json application/json))"
bench peer-json "$URL_PEER" ce32x1000.json application/json
bench peer-gzip "$URL_PEER" ce32x1000.json application/json gzip
bench peer-st32x1000 "$URL_PEER" ce32x1000.safetensors application/octet-stream
bench peer-st8x50257 "$URL_PEER" ce8x50257.safetensors application/octet-stream

echo
"$PEER_PYTHON" - "$WORK/results" "$GZIP" "$PEER_GZIP_LEVEL" <<'EOF'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99, bad, errors, cpu, switches = line.split()
    rows[name] = (float(rps), float(p99), int(bad), errors, float(cpu), float(switches))
settings = [s if ":" in s else s + ":default" for s in sys.argv[2].split()]
peer_level = sys.argv[3]
# (title, lossd row, peer row, goal of the CPU-per-request ratio peer / lossd: issue 15)
pairs = [("JSON 32x1000", "lossd-json", "peer-json", 5)]
pairs += [(f"JSON+gzip (lossd {s}, peer {peer_level})", f"lossd-gzip-{s}", "peer-gzip", 4) for s in settings]
pairs += [("safetensors 32x1000", "lossd-st32x1000", "peer-st32x1000", 5),
          ("safetensors 8x50257", "lossd-st8x50257", "peer-st8x50257", 5)]
print(f"{'scenario':40} {'lossd req/s':>12} {'peer req/s':>11} {'ratio':>7} "
      f"{'lossd p99':>10} {'peer p99':>9} {'p99 ratio':>10} "
      f"{'lossd CPU/req':>14} {'peer CPU/req':>13} {'CPU ratio':>10} {'goal':>5} {'switches/req lossd, peer':>25}")
for title, ours, theirs, goal in pairs:
    a, b = rows[ours], rows[theirs]
    flag = "" if a[2] == 0 and b[2] == 0 else f"  non-2xx: lossd {a[2]} peer {b[2]}"
    print(f"{title:40} {a[0]:12.1f} {b[0]:11.1f} {a[0] / b[0]:6.2f}x "
          f"{a[1]:8.2f}ms {b[1]:7.2f}ms {b[1] / a[1]:9.2f}x "
          f"{a[4]:11.3f} ms {b[4]:10.3f} ms {b[4] / a[4]:9.2f}x {goal:4}x {a[5]:12.1f} {b[5]:12.1f}{flag}")
print("ratio = lossd req/s / peer req/s; p99 ratio = peer p99 / lossd p99 (above 1: lossd's p99 is lower);")
print("CPU/req = server CPU (user + system, whole process tree) per answered request;")
print("CPU ratio = peer CPU/req / lossd CPU/req (above 1: lossd spends less per request);")
print("switches/req = context switches of the server's threads per answered request")
EOF
