#!/usr/bin/env python3
"""Golden vectors for the embedding and margin losses, produced by real PyTorch:
hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss, multilabel_margin_loss,
multi_margin_loss, cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss.

Run (torch lives outside the repo; never install it in the repo or CI):
    /work/torch-venv/bin/python Tests/LossKernelsTests/Golden/generate_golden_losses_b.py
It rewrites golden_losses_b.json next to this script, in generate_golden.py's schema, with every
tensor under its wire name (input1, anchor, ...) and, besides `grad` (the gradient of the loss's
first differentiable tensor), `grad_NAME` for the others (grad_input2, grad_positive, ...).
"safe" is present only for an empty mean (PyTorch's NaN, lossd's safe 0 with zero gradients).

triplet_margin_with_distance_loss takes a named distance on the wire: "pairwise" is torch's
default (F.pairwise_distance) and "cosine" is 1 - F.cosine_similarity.
"""
import json
import os

import torch
import torch.nn.functional as F

from generate_golden import DTYPES, HERE, tensor_json

# The loss's tensors in wire order, the differentiable ones first.
TENSORS = {
    "hinge_embedding_loss": (["input"], ["target"]),
    "soft_margin_loss": (["input"], ["target"]),
    "multilabel_soft_margin_loss": (["input"], ["target", "weight"]),
    "multilabel_margin_loss": (["input"], ["target"]),
    "multi_margin_loss": (["input"], ["target", "weight"]),
    "cosine_embedding_loss": (["input1", "input2"], ["target"]),
    "triplet_margin_loss": (["anchor", "positive", "negative"], []),
    "triplet_margin_with_distance_loss": (["anchor", "positive", "negative"], []),
}


def forward(loss, t, opts):
    red = opts.get("reduction", "mean")
    if loss == "hinge_embedding_loss":
        return F.hinge_embedding_loss(t["input"], t["target"], margin=opts.get("margin", 1.0), reduction=red)
    if loss == "soft_margin_loss":
        return F.soft_margin_loss(t["input"], t["target"], reduction=red)
    if loss == "multilabel_soft_margin_loss":
        return F.multilabel_soft_margin_loss(t["input"], t["target"], weight=t.get("weight"), reduction=red)
    if loss == "multilabel_margin_loss":
        return F.multilabel_margin_loss(t["input"], t["target"], reduction=red)
    if loss == "multi_margin_loss":
        return F.multi_margin_loss(t["input"], t["target"], p=opts.get("p", 1), margin=opts.get("margin", 1.0),
                                   weight=t.get("weight"), reduction=red)
    if loss == "cosine_embedding_loss":
        return F.cosine_embedding_loss(t["input1"], t["input2"], t["target"], margin=opts.get("margin", 0.0),
                                       reduction=red)
    if loss == "triplet_margin_loss":
        return F.triplet_margin_loss(t["anchor"], t["positive"], t["negative"], margin=opts.get("margin", 1.0),
                                     p=opts.get("p", 2.0), eps=opts.get("eps", 1e-6), swap=opts.get("swap", False),
                                     reduction=red)
    if loss == "triplet_margin_with_distance_loss":
        fn = (lambda x, y: 1.0 - F.cosine_similarity(x, y)) if opts.get("distance") == "cosine" else None
        return F.triplet_margin_with_distance_loss(t["anchor"], t["positive"], t["negative"], distance_function=fn,
                                                   margin=opts.get("margin", 1.0), swap=opts.get("swap", False),
                                                   reduction=red)
    raise ValueError(loss)


CASES = []


def add(name, loss, tensors, opts=None, grad_output=None):
    opts = dict(opts or {})
    differentiable, others = TENSORS[loss]
    for dtype_name, dtype in DTYPES.items():
        t = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tensors.items()}
        for k in differentiable:
            t[k] = t[k].detach().clone().requires_grad_(True)
        value = forward(loss, t, opts)
        g = torch.ones_like(value) if grad_output is None else grad_output.to(dtype).expand_as(value)
        grads = torch.autograd.grad(value, [t[k] for k in differentiable], g, allow_unused=True)
        case = {"name": f"{name}/{dtype_name}", "loss": loss, "dtype": dtype_name,
                "options": dict(opts, dtype=dtype_name)}
        for k in differentiable + others:
            if k in t:
                case[k] = tensor_json(t[k])
        if grad_output is not None:
            case["grad_output"] = tensor_json(grad_output.to(dtype))
        result = {"value": tensor_json(value)}
        for i, (k, gk) in enumerate(zip(differentiable, grads)):
            result["grad" if i == 0 else f"grad_{k}"] = tensor_json(gk if gk is not None else torch.zeros_like(t[k]))
        expected = {"pytorch": result}
        if opts.get("reduction", "mean") == "mean" and value.isnan() and t[differentiable[0]].numel() == 0:
            expected["safe"] = dict(result, value=tensor_json(torch.zeros((), dtype=dtype)))
        case["expected"] = expected
        CASES.append(case)


def main():
    gen = torch.Generator().manual_seed(20261207)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale

    def signs(*shape):
        return torch.randint(0, 2, shape, generator=gen).to(torch.float64) * 2 - 1

    N, C, D = 6, 5, 4
    for red in ("none", "mean", "sum"):
        # hinge_embedding_loss: margin default, 0, 2.5 (some inputs on the kink margin - x = 0)
        x = randn(N, C, scale=2.0).abs()
        x[0, 0], x[1, 1] = 2.5, 0.0
        y = signs(N, C)
        y[0, 0], y[1, 1] = -1, -1
        for margin in (None, 0.0, 2.5):
            opts = {"reduction": red} if margin is None else {"reduction": red, "margin": margin}
            add(f"hinge/margin={margin}/{red}", "hinge_embedding_loss", {"input": x, "target": y}, opts)
        add(f"hinge/unbatched/{red}", "hinge_embedding_loss", {"input": randn(C), "target": signs(C)},
            {"reduction": red})
        # soft_margin_loss
        xs = randn(N, C, scale=3.0)
        xs[0, 0] = 30.0
        add(f"soft_margin/{red}", "soft_margin_loss", {"input": xs, "target": signs(N, C)}, {"reduction": red})
        add(f"soft_margin/3d/{red}", "soft_margin_loss", {"input": randn(2, 3, 2), "target": signs(2, 3, 2)},
            {"reduction": red})
        # multilabel_soft_margin_loss: weights (C) and (N, C), unbatched
        xm = randn(N, C, scale=3.0)
        ym = torch.randint(0, 2, (N, C), generator=gen).to(torch.float64)
        for weight in (None, torch.rand(C, generator=gen, dtype=torch.float64) + 0.5,
                       torch.rand(N, C, generator=gen, dtype=torch.float64)):
            t = {"input": xm, "target": ym}
            if weight is not None:
                t["weight"] = weight
            wtag = "none" if weight is None else "x".join(map(str, weight.shape))
            add(f"multilabel_soft_margin/w={wtag}/{red}", "multilabel_soft_margin_loss", t, {"reduction": red})
        add(f"multilabel_soft_margin/unbatched/{red}", "multilabel_soft_margin_loss",
            {"input": randn(C), "target": torch.tensor([1.0, 0, 0, 1, 1], dtype=torch.float64)}, {"reduction": red})
        # multilabel_margin_loss: -1 terminated lists, an empty list, a full list, junk after -1
        tl = torch.tensor([[3, 0, -1, 1, 1], [-1, 2, 2, 2, 2], [0, 1, 2, 3, 4], [4, -1, -1, 0, 3],
                           [2, 2, -1, 0, 0], [1, 3, 4, -1, 0]])
        add(f"multilabel_margin/{red}", "multilabel_margin_loss", {"input": randn(N, C, scale=0.7), "target": tl},
            {"reduction": red})
        add(f"multilabel_margin/unbatched/{red}", "multilabel_margin_loss",
            {"input": randn(C), "target": torch.tensor([4, 1, -1, 0, 0])}, {"reduction": red})
        # multi_margin_loss: p 1 and 2, margins, weight
        xmm = randn(N, C, scale=0.8)
        tm = torch.tensor([0, 4, 2, 2, 1, 3])
        for p in (1, 2):
            for margin in (None, 0.0, 0.5):
                for weight in (None, torch.rand(C, generator=gen, dtype=torch.float64) + 0.5):
                    opts = {"reduction": red, "p": p}
                    if margin is not None:
                        opts["margin"] = margin
                    t = {"input": xmm, "target": tm}
                    if weight is not None:
                        t["weight"] = weight
                    add(f"multi_margin/p={p}/margin={margin}/w={weight is not None}/{red}", "multi_margin_loss",
                        t, opts)
        add(f"multi_margin/unbatched/{red}", "multi_margin_loss", {"input": randn(C), "target": torch.tensor(3)},
            {"reduction": red, "p": 2})
        # cosine_embedding_loss: margins, zero-norm vectors on either side and both, unbatched
        a, b = randn(N, D), randn(N, D)
        a[1] = 0.0
        b[2] = 0.0
        a[3] = 0.0
        b[3] = 0.0
        b[4] = a[4] * 2.0  # cos = 1
        yc = torch.tensor([1.0, 1, -1, -1, 1, -1])
        for margin in (None, 0.0, -0.3, 0.5):
            opts = {"reduction": red} if margin is None else {"reduction": red, "margin": margin}
            add(f"cosine_embedding/margin={margin}/{red}", "cosine_embedding_loss",
                {"input1": a, "input2": b, "target": yc}, opts)
        add(f"cosine_embedding/zero-norm-negative/{red}", "cosine_embedding_loss",
            {"input1": a, "input2": b, "target": -yc.abs()}, {"reduction": red, "margin": -0.5})
        add(f"cosine_embedding/unbatched/{red}", "cosine_embedding_loss",
            {"input1": randn(D), "input2": randn(D), "target": torch.tensor(-1.0)}, {"reduction": red, "margin": 0.1})
        # triplet_margin_loss: p 1, 2, 3, 1.5; swap both ways; margin 0; identical and zero vectors
        an, po, ne = randn(N, D), randn(N, D), randn(N, D)
        po[0] = an[0]  # identical anchor and positive
        ne[1] = an[1] + 0.1  # negative close to the anchor: swap keeps d(a, n)
        ne[2] = po[2] + 0.05  # negative close to the positive: swap takes d(p, n)
        an[3] = 0.0
        for p in (2.0, 1.0, 3.0, 1.5):
            for swap in (False, True):
                for margin in (None, 0.5, 2.0):
                    opts = {"reduction": red, "p": p, "swap": swap}
                    if margin is not None:
                        opts["margin"] = margin
                    add(f"triplet/p={p}/swap={swap}/margin={margin}/{red}", "triplet_margin_loss",
                        {"anchor": an, "positive": po, "negative": ne}, opts)
        add(f"triplet/eps=0/{red}", "triplet_margin_loss", {"anchor": an, "positive": po + 0.0, "negative": ne},
            {"reduction": red, "eps": 0.0, "margin": 3.0})
        add(f"triplet/eps=0.1/swap/{red}", "triplet_margin_loss",
            {"anchor": randn(N, D), "positive": randn(N, D), "negative": randn(N, D)},
            {"reduction": red, "eps": 0.1, "swap": True, "margin": 3.0})
        add(f"triplet/unbatched/{red}", "triplet_margin_loss",
            {"anchor": randn(D), "positive": randn(D), "negative": randn(D)}, {"reduction": red, "margin": 4.0})
        # triplet_margin_with_distance_loss: pairwise and cosine, swap both ways
        for distance in ("pairwise", "cosine"):
            for swap in (False, True):
                for margin in (None, 0.5, 3.0):
                    opts = {"reduction": red, "distance": distance, "swap": swap}
                    if margin is not None:
                        opts["margin"] = margin
                    add(f"triplet_distance/{distance}/swap={swap}/margin={margin}/{red}",
                        "triplet_margin_with_distance_loss", {"anchor": an, "positive": po, "negative": ne}, opts)
        add(f"triplet_distance/pairwise/unbatched/{red}", "triplet_margin_with_distance_loss",
            {"anchor": randn(D), "positive": randn(D), "negative": randn(D)}, {"reduction": red, "margin": 4.0})

    # upstream gradients, ties and empty batches
    add("multi_margin/grad-output-none", "multi_margin_loss",
        {"input": randn(N, C), "target": torch.tensor([0, 1, 2, 3, 4, 0])}, {"reduction": "none", "p": 2},
        grad_output=torch.rand(N, generator=gen, dtype=torch.float64) + 0.5)
    add("cosine_embedding/grad-output-mean", "cosine_embedding_loss",
        {"input1": randn(N, D), "input2": randn(N, D), "target": signs(N)}, {"reduction": "mean", "margin": 0.2},
        grad_output=torch.tensor(0.37, dtype=torch.float64))
    an2, po2 = randn(3, D), randn(3, D)
    ne2 = po2.clone()  # the negative equals the positive: with swap d(p, n) is eps's norm
    # with eps 0, n halfway between a and p: d(a, n) == d(p, n) exactly, torch.minimum halves the gradient
    tie = {"anchor": torch.tensor([[0.0, 0, 0, 0], [1, 2, 3, 4]]), "positive": torch.tensor([[2.0, 2, 2, 2], [3, 2, 5, 4]]),
           "negative": torch.tensor([[1.0, 1, 1, 1], [2, 2, 4, 4]])}
    add("triplet/swap-tie", "triplet_margin_loss", tie, {"reduction": "sum", "swap": True, "margin": 5.0, "eps": 0.0})
    add("triplet_distance/swap-tie", "triplet_margin_with_distance_loss", tie,
        {"reduction": "sum", "swap": True, "margin": 5.0})
    add("triplet/swap-negative-equals-positive", "triplet_margin_loss",
        {"anchor": an2, "positive": po2, "negative": ne2}, {"reduction": "sum", "swap": True, "margin": 1.0})
    add("triplet/grad-output-none", "triplet_margin_loss",
        {"anchor": randn(N, D), "positive": randn(N, D), "negative": randn(N, D)}, {"reduction": "none", "margin": 2.0},
        grad_output=torch.rand(N, generator=gen, dtype=torch.float64))
    add("triplet/empty-batch", "triplet_margin_loss",
        {"anchor": randn(0, D), "positive": randn(0, D), "negative": randn(0, D)}, {"reduction": "mean"})
    # (multi_margin_loss's empty mean returns uninitialized memory in torch: no golden case)
    add("multilabel_soft_margin/empty-batch", "multilabel_soft_margin_loss",
        {"input": randn(0, C), "target": torch.zeros(0, C, dtype=torch.float64)}, {"reduction": "mean"})

    out = {"torch_version": torch.__version__.split("+")[0], "cases": CASES}
    path = os.path.join(HERE, "golden_losses_b.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
    print(f"{len(CASES)} cases, {os.path.getsize(path)} bytes -> {path}")


if __name__ == "__main__":
    main()
