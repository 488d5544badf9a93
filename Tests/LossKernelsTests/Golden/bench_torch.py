#!/usr/bin/env python3
"""Times torch.nn.functional.cross_entropy forward+backward on CPU with 2 threads, float32,
class-index targets, reduction mean, on the shapes of lossd's KernelBenchmark, and the margin and
embedding losses on its 4096x128 case (`margin_losses`), so that both figures come from the same
machine. Not part of CI (torch is never installed there):
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


def margin_losses():
    """The margin and embedding losses of KernelBenchmark's marginLossBenchmark: 4096 rows of 128,
    float32, mean, default options; elements = rows x 128 (the first tensor's size)."""
    n, d = 4096, 128
    gen = torch.Generator().manual_seed(1)

    def uniform():
        return torch.rand(n, d, generator=gen) * 8 - 4

    def signs(*shape):
        return torch.randint(0, 2, shape, generator=gen).float() * 2 - 1

    lists = torch.zeros(n, d, dtype=torch.int64)
    for r in range(n):
        lists[r, :4] = torch.randperm(d, generator=gen)[:4]
        lists[r, 4] = -1
    cosine = lambda a, b: 1 - F.cosine_similarity(a, b)  # noqa: E731
    jobs = [
        ("hinge_embedding_loss", lambda x: F.hinge_embedding_loss(x[0], x[1]), [uniform(), signs(n, d)], 1),
        ("soft_margin_loss", lambda x: F.soft_margin_loss(x[0], x[1]), [uniform(), signs(n, d)], 1),
        ("multilabel_soft_margin_loss", lambda x: F.multilabel_soft_margin_loss(x[0], x[1]),
         [uniform(), (signs(n, d) > 0).float()], 1),
        ("multilabel_margin_loss", lambda x: F.multilabel_margin_loss(x[0], x[1]), [uniform(), lists], 1),
        ("multi_margin_loss", lambda x: F.multi_margin_loss(x[0], x[1]),
         [uniform(), torch.randint(0, d, (n,), generator=gen)], 1),
        ("cosine_embedding_loss", lambda x: F.cosine_embedding_loss(x[0], x[1], x[2]),
         [uniform(), uniform(), signs(n)], 2),
        ("triplet_margin_loss", lambda x: F.triplet_margin_loss(*x), [uniform(), uniform(), uniform()], 3),
        ("triplet_margin_with_distance_loss pairwise", lambda x: F.triplet_margin_with_distance_loss(*x),
         [uniform(), uniform(), uniform()], 3),
        ("triplet_margin_with_distance_loss cosine",
         lambda x: F.triplet_margin_with_distance_loss(*x, distance_function=cosine), [uniform(), uniform(), uniform()], 3),
    ]
    print(f"margin and embedding losses fwd+bwd, float32, mean, {n}x{d}, threads {torch.get_num_threads()}")
    repeats = max(3, min(200, 300_000_000 // (n * d)))
    for name, fn, tensors, differentiable in jobs:
        def once():
            leaves = [t.detach().requires_grad_(True) for t in tensors[:differentiable]]
            loss = fn(leaves + tensors[differentiable:])
            loss.backward()
            return loss.item() + leaves[0].grad[0, 0].item()
        once()
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            once()
            best = min(best, time.perf_counter() - t0)
        print(f"  {name:43} torch {n * d / best / 1e9:.3f} G el/s ({best * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
    margin_losses()
