#!/usr/bin/env python3
"""Times torch.nn.functional.cross_entropy forward+backward on CPU with 2 threads, float32,
class-index targets, reduction mean, on the shapes of lossd's KernelBenchmark, and the margin and
embedding losses on its 4096x128 case (`margin_losses`), so that both figures come from the same
machine. Not part of CI (torch is never installed there):
    /work/torchenv/bin/python Tests/LossKernelsTests/Golden/bench_torch.py
Prints elements per second (best of N runs after a warm-up) per shape; then the same for
ctc_loss, poisson_nll_loss, gaussian_nll_loss and margin_ranking_loss on KernelBenchmark's
4096-row cases (LossesABenchmark.swift).
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


def best_of(repeats, body):
    body()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - t0)
    return best


def losses_a():
    """Forward+backward (autograd) of the four losses, float32, mean, same shapes as lossd's."""
    gen = torch.Generator().manual_seed(0)
    rows, columns, frames, classes, width = 4096, 1024, 50, 32, 10
    n = rows * columns
    lp = torch.log_softmax(torch.rand(frames, rows, classes, generator=gen) * 8 - 4, 2)
    targets = torch.randint(1, classes, (rows, width), generator=gen)
    il = torch.full((rows,), frames, dtype=torch.long)
    tl = torch.randint(5, width + 1, (rows,), generator=gen)

    def u(lo, hi):
        return torch.rand(rows, columns, generator=gen) * (hi - lo) + lo

    x, y, var = u(-2, 2), u(-2, 2), u(0.1, 2)
    counts = u(0, 8).round()
    sign = torch.where(u(-1, 1) < 0, -1.0, 1.0)

    def grads(f, *tensors):
        leaves = [t.detach().requires_grad_(True) for t in tensors]
        loss = f(*leaves)
        loss.backward()
        return loss.item()

    cases = [
        (f"ctc_loss T={frames} N={rows} C={classes} S={width}", lp.numel(),
         lambda: grads(lambda p: F.ctc_loss(p, targets, il, tl), lp)),
        (f"poisson_nll_loss {rows}x{columns}", n, lambda: grads(lambda a: F.poisson_nll_loss(a, counts), x)),
        (f"gaussian_nll_loss {rows}x{columns}", n, lambda: grads(lambda a, v: F.gaussian_nll_loss(a, y, v), x, var)),
        (f"margin_ranking_loss {rows}x{columns}", n,
         lambda: grads(lambda a, b: F.margin_ranking_loss(a, b, sign), x, y)),
    ]
    print(f"losses-a fwd+bwd, torch {torch.__version__}, threads {torch.get_num_threads()}, float32, mean")
    for name, elements, body in cases:
        repeats = max(3, min(50, 100_000_000 // elements))
        t = best_of(repeats, body)
        print(f"  {name}: torch {elements / t / 1e9:.3f} G el/s ({t * 1e3:.2f} ms, best of {repeats})")


if __name__ == "__main__":
    import sys
    chosen = sys.argv[1:]  # nothing: everything; "margin" or "losses-a": those losses only
    if not chosen:
        main()
    if not chosen or "margin" in chosen:
        margin_losses()
    if not chosen or "losses-a" in chosen:
        losses_a()
