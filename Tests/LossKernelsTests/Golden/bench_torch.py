#!/usr/bin/env python3
"""Times torch.nn.functional.cross_entropy forward+backward on CPU with 2 threads, float32,
class-index targets, reduction mean, on the shapes of lossd's KernelBenchmark, and every loss on
its 4096-row case (`loss_table`, LossTable.swift), so that both figures come from the same
machine. Not part of CI (torch is never installed there):
    /work/torch-venv/bin/python Tests/LossKernelsTests/Golden/bench_torch.py [table [float64]]
Prints elements per second (best of N runs after a warm-up) per shape, then one
`TABLE name shape elements seconds` line per loss, which scripts/bench-kernels.sh joins with
KernelBenchmark's.
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


def focal(x, y, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss (reduction mean), in torch ops."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    return ((alpha * y + (1 - alpha) * (1 - y)) * ce * ((1 - p_t) ** gamma)).mean()


def loss_table(dtype, names=()):
    """Forward+backward (autograd) of every loss on KernelBenchmark's 4096-row cases (LossTable.swift):
    reduction mean, default options (kl_div batchmean), elements of the first differentiable tensor.
    Prints `TABLE name shape elements seconds` (best of N), the lines bench-kernels.sh joins."""
    gen = torch.Generator().manual_seed(0)
    rows, wide, narrow = 4096, 1024, 128
    frames, classes, width = 50, 32, 10

    def u(columns, lo=-4.0, hi=4.0):
        return (torch.rand(rows, columns, generator=gen) * (hi - lo) + lo).to(dtype)

    def signs(*shape):
        return (torch.randint(0, 2, shape, generator=gen) * 2 - 1).to(dtype)

    def classes_of(columns):
        return torch.randint(0, columns, (rows,), generator=gen)

    lists = torch.zeros(rows, narrow, dtype=torch.int64)
    for r in range(rows):
        lists[r, :4] = torch.randperm(narrow, generator=gen)[:4]
        lists[r, 4] = -1
    labels = u(wide, 0, 1).round()
    cosine = lambda a, b: 1 - F.cosine_similarity(a, b)  # noqa: E731
    lp = torch.log_softmax(torch.rand(frames, rows, classes, generator=gen) * 8 - 4, 2).to(dtype)
    ctc_targets = torch.randint(1, classes, (rows, width), generator=gen)
    il = torch.full((rows,), frames, dtype=torch.long)
    tl = torch.randint(5, width + 1, (rows,), generator=gen)
    # name, shape, function of the tensors, tensors, how many of them are differentiable
    cases = [
        ("cross_entropy", "4096x1024", lambda x, t: F.cross_entropy(x, t), [u(wide), classes_of(wide)], 1),
        ("nll_loss", "4096x1024", lambda x, t: F.nll_loss(x, t), [torch.log_softmax(u(wide), 1), classes_of(wide)], 1),
        ("binary_cross_entropy", "4096x1024", lambda x, t: F.binary_cross_entropy(x, t), [u(wide, 0.01, 0.99), labels], 1),
        ("binary_cross_entropy_with_logits", "4096x1024", lambda x, t: F.binary_cross_entropy_with_logits(x, t),
         [u(wide), labels], 1),
        ("kl_div", "4096x1024", lambda x, t: F.kl_div(x, t, reduction="batchmean"),
         [torch.log_softmax(u(wide), 1), torch.softmax(u(wide), 1)], 1),
        ("mse_loss", "4096x1024", F.mse_loss, [u(wide), u(wide)], 1),
        ("l1_loss", "4096x1024", F.l1_loss, [u(wide), u(wide)], 1),
        ("smooth_l1_loss", "4096x1024", F.smooth_l1_loss, [u(wide), u(wide)], 1),
        ("huber_loss", "4096x1024", F.huber_loss, [u(wide), u(wide)], 1),
        ("sigmoid_focal_loss", "4096x1024", focal, [u(wide), labels], 1),
        ("hinge_embedding_loss", "4096x128", F.hinge_embedding_loss, [u(narrow), signs(rows, narrow)], 1),
        ("soft_margin_loss", "4096x128", F.soft_margin_loss, [u(narrow), signs(rows, narrow)], 1),
        ("multilabel_soft_margin_loss", "4096x128", F.multilabel_soft_margin_loss,
         [u(narrow), (signs(rows, narrow) > 0).to(dtype)], 1),
        ("multilabel_margin_loss", "4096x128", F.multilabel_margin_loss, [u(narrow), lists], 1),
        ("multi_margin_loss", "4096x128", F.multi_margin_loss, [u(narrow), classes_of(narrow)], 1),
        ("cosine_embedding_loss", "4096x128", F.cosine_embedding_loss, [u(narrow), u(narrow), signs(rows)], 2),
        ("triplet_margin_loss", "4096x128", F.triplet_margin_loss, [u(narrow), u(narrow), u(narrow)], 3),
        ("triplet_margin_with_distance_loss pairwise", "4096x128", F.triplet_margin_with_distance_loss,
         [u(narrow), u(narrow), u(narrow)], 3),
        ("triplet_margin_with_distance_loss cosine", "4096x128",
         lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine),
         [u(narrow), u(narrow), u(narrow)], 3),
        ("ctc_loss", f"T={frames} N={rows} C={classes} S={width}", lambda p: F.ctc_loss(p, ctc_targets, il, tl), [lp], 1),
        ("poisson_nll_loss", "4096x1024", F.poisson_nll_loss, [u(wide, -2, 2), u(wide, 0, 8).round()], 1),
        ("gaussian_nll_loss", "4096x1024", lambda x, v, t: F.gaussian_nll_loss(x, t, v),
         [u(wide, -2, 2), u(wide, 0.1, 2), u(wide, -2, 2)], 2),
        ("margin_ranking_loss", "4096x1024", F.margin_ranking_loss, [u(wide, -2, 2), u(wide, -2, 2), signs(rows, wide)], 2),
    ]
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, {dtype}")
    for name, shape, fn, tensors, differentiable in cases:
        if names and not any(name.startswith(n) for n in names):
            continue
        def once():
            leaves = [t.detach().requires_grad_(True) for t in tensors[:differentiable]]
            loss = fn(*leaves, *tensors[differentiable:])
            loss.backward()
            return loss.item()
        elements = tensors[0].numel()
        t = best_of(max(3, min(20, 40_000_000 // elements)), once)
        print(f"TABLE\t{name}\t{shape}\t{elements}\t{t}")


def best_of(repeats, body):
    body()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - t0)
    return best


if __name__ == "__main__":
    import sys
    chosen = sys.argv[1:]  # nothing: everything; "table [float64] [name ...]": the table (of those losses) only
    if "table" not in chosen:
        main()
    if not chosen or "table" in chosen:
        loss_table(torch.float64 if "float64" in chosen else torch.float32,
                   [n for n in chosen if n not in ("table", "float64")])
