#!/usr/bin/env python3
"""linear_cross_entropy forward + backward: lossd (Benchmarks/LMHeadBenchmark, release) beside torch
CPU at the same thread count, in one run: torch's composite (F.linear_cross_entropy, options=None,
which builds the N x V logits) and its chunked path (options=torch.nn.LinearCrossEntropyOptions()).
float32, class-index targets, no bias, reduction mean, gradients of input and linear_weight.

Each measurement runs in its own process (a fresh heap, so one run's freed memory does not hide the
next one's peak). Peak extra memory = peak resident size during the job (VmHWM after
/proc/self/clear_refs 5) minus the resident size before it minus the gradients' bytes.
Run by scripts/bench-lmhead.sh; THREADS (default 2) sets torch.set_num_threads and lossd's threads.
"""
import json
import os
import subprocess
import sys

LOSSD = sys.argv[1]
THREADS = int(os.environ.get("THREADS", "2"))
TIME_SHAPES = [(4096, 1024, 32000), (1024, 4096, 128256)]
MEMORY_SHAPE = (8192, 1024, 32000)
REPEATS = int(os.environ.get("REPEATS", "2"))

TORCH_CHILD = r'''
import json, os, sys, time, torch, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]))
mode, path, n, h, v, repeats = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
def rss(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
g = torch.Generator().manual_seed(0)
x = torch.randn(n, h, generator=g).requires_grad_(True)
w = (torch.randn(v, h, generator=g) / h ** 0.5).requires_grad_(True)
y = torch.randint(0, v, (n,), generator=g)
options = torch.nn.LinearCrossEntropyOptions() if path == "chunked" else None
def step():
    x.grad = None; w.grad = None
    F.linear_cross_entropy(x, w, y, options=options).backward()
if mode == "time":
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter(); step(); seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds}))
else:
    before = rss("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    step()
    peak = rss("VmHWM")
    print(json.dumps({"peak_extra_bytes": peak - before - (n * h + v * h) * 4}))
'''


def torch_run(mode, path, shape, repeats=1):
    out = subprocess.run([sys.executable, "-c", TORCH_CHILD, str(THREADS), mode, path, *map(str, shape), str(repeats)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def lossd_run(mode, shape, *extra):
    out = subprocess.run([LOSSD, mode, *map(str, shape), *map(str, extra)], capture_output=True, text=True, check=True,
                         env=dict(os.environ, LOSSD_BENCH_THREADS=str(THREADS)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    print(f"threads: {THREADS} (torch.set_num_threads; lossd: OpenBLAS threads), best of {REPEATS}")
    for shape in TIME_SHAPES:
        n, h, v = shape
        lossd = min(lossd_run("time", shape, REPEATS)["seconds"])
        chunked = min(torch_run("time", "chunked", shape, REPEATS)["seconds"])
        composite = min(torch_run("time", "composite", shape, REPEATS)["seconds"])
        print(f"N={n} H={h} V={v}: lossd {lossd:.3f} s, torch chunked {chunked:.3f} s, torch composite "
              f"{composite:.3f} s; torch chunked / lossd = {chunked / lossd:.2f}x, composite / lossd = "
              f"{composite / lossd:.2f}x", flush=True)
    n, h, v = MEMORY_SHAPE
    lossd = lossd_run("memory", MEMORY_SHAPE)["peak_extra_bytes"]
    chunked = torch_run("memory", "chunked", MEMORY_SHAPE)["peak_extra_bytes"]
    composite = torch_run("memory", "composite", MEMORY_SHAPE)["peak_extra_bytes"]
    mib = 1 << 20
    print(f"peak extra memory N={n} H={h} V={v} (logits alone: {n * v * 4 / mib:.0f} MiB): lossd "
          f"{lossd / mib:.1f} MiB, torch chunked {chunked / mib:.1f} MiB, torch composite {composite / mib:.1f} MiB; "
          f"lossd / chunked = {lossd / chunked:.2f}, lossd / composite = {100 * lossd / composite:.2f}%", flush=True)
    # filter_gradient: error against the exact gradient and time, on logits of standard deviation
    # about 1 (random initialisation) and about 6 (a peaked, trained-like softmax).
    for scale in (1, 6):
        r = lossd_run("filter", TIME_SHAPES[0], scale)
        print(f"filter_gradient N=4096 H=1024 V=32000, logit std ~{scale}: exact {r['exact_seconds']:.3f} s, "
              f"filtered {r['filtered_seconds']:.3f} s ({r['exact_seconds'] / r['filtered_seconds']:.2f}x); "
              f"grad max error / max |grad| = {r['input_max_error_over_max']:.2e}, relative L2 "
              f"{r['input_relative_l2_error']:.2e}; grad_linear_weight {r['linear_weight_max_error_over_max']:.2e}, "
              f"relative L2 {r['linear_weight_relative_l2_error']:.2e}; value unchanged: "
              f"{r['value_difference'] == 0}", flush=True)


if __name__ == "__main__":
    main()
