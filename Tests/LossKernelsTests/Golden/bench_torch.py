#!/usr/bin/env python3
"""Times torch.nn.functional.cross_entropy forward+backward on CPU with 2 threads, float32,
class-index targets, reduction mean, on the shapes of lossd's KernelBenchmark, so that both
figures come from the same machine. Not part of CI (torch is never installed there):
    /work/torchenv/bin/python Tests/LossKernelsTests/Golden/bench_torch.py
Prints elements per second (best of N runs after a warm-up) per shape.
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
SHAPES = [(4096, 32000), (64, 1000), (8, 50257), (32768, 128)]


def once(x, t):
    xg = x.detach().requires_grad_(True)
    loss = F.cross_entropy(xg, t)
    loss.backward()
    return loss.item() + xg.grad[0, 0].item()


def main():
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, float32, mean")
    gen = torch.Generator().manual_seed(0)
    for n, c in SHAPES:
        x = torch.rand(n, c, generator=gen) * 8 - 4
        t = torch.randint(0, c, (n,), generator=gen)
        repeats = max(3, min(200, 300_000_000 // (n * c)))
        once(x, t)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            once(x, t)
            best = min(best, time.perf_counter() - t0)
        print(f"{n}x{c}: torch {n * c / best / 1e9:.3f} G el/s ({best * 1e3:.2f} ms, best of {repeats})")


if __name__ == "__main__":
    main()
