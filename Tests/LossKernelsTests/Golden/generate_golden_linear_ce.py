#!/usr/bin/env python3
"""Golden vectors for linear_cross_entropy, produced by real PyTorch (torch's composite with
autograd: logits = F.linear(input, linear_weight.reshape(-1, H), linear_bias.reshape(-1)) reshaped to
(N, C, d1..dk), then generate_golden.cross_entropy, which adds lossd's temperature, z_loss, class_dim,
shift and num_items_in_batch). softcap (lossd extra, Gemma 2) is applied to the logits first:
logits -> cap * tanh(logits / cap). Every case without lossd extras is also checked here against
torch's own F.linear_cross_entropy (both the composite and the chunked path).

Run (torch lives outside the repo):
    /work/torch-venv/bin/python Tests/LossKernelsTests/Golden/generate_golden_linear_ce.py
It rewrites golden_linear_ce.json (generate_golden.py's schema: `grad` is the gradient of input,
`grad_linear_weight`, `grad_linear_bias` the others) and golden_linear_ce_large.json (no cases; the
float64 reference of a 256000-class float32 job whose inputs both sides compute from a formula,
for LinearCrossEntropyTests).
"""
import json
import math
import os
import warnings

import torch
import torch.nn.functional as F

from generate_golden import DTYPES, HERE, cross_entropy, tensor_json

EXTRAS = ("temperature", "z_loss", "class_dim", "shift", "num_items_in_batch", "softcap")


def forward(t, opts):
    x, w, y = t["input"], t["linear_weight"], t["target"]
    b = t.get("linear_bias")
    C, *out, H = w.shape
    if opts.get("class_dim", 1) == -1:
        logits = F.linear(x, w, b)
    else:
        logits = F.linear(x, w.reshape(-1, H), None if b is None else b.reshape(-1))
        logits = logits.reshape(*x.shape[:-1], C, *out)
    cap = opts.get("softcap", 0.0)
    if cap:
        logits = cap * torch.tanh(logits / cap)
    ce_opts = {k: v for k, v in opts.items() if k not in ("softcap", "memory_budget", "filter_gradient")}
    return cross_entropy(logits, y, t.get("weight"), ce_opts)


CASES = []


def add(name, tensors, opts=None, grad_output=None, safe=None):
    """safe: None (same as pytorch), "rows" (ignored positions' hidden states zeroed, as lossd's
    safe mode leaves them out) or "empty" (an empty mean: zero value and gradients)."""
    opts = dict(opts or {})
    for dtype_name, dtype in DTYPES.items():
        t = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in tensors.items()}
        diff = ["input", "linear_weight"] + (["linear_bias"] if "linear_bias" in t else [])

        def run(t):
            t = dict(t)
            for k in diff:
                t[k] = t[k].detach().clone().requires_grad_(True)
            value = forward(t, opts)
            g = torch.ones_like(value) if grad_output is None else grad_output.to(dtype).expand_as(value)
            grads = torch.autograd.grad(value, [t[k] for k in diff], g)
            result = {"value": tensor_json(value)}
            for k, gk in zip(diff, grads):
                result["grad" if k == "input" else f"grad_{k}"] = tensor_json(gk)
            return value, result

        value, result = run(t)
        if not any(k in opts for k in EXTRAS) and opts.get("reduction", "mean") in ("none", "mean", "sum"):
            check_torch(t, opts, value)
        case = {"name": f"lce/{name}/{dtype_name}", "loss": "linear_cross_entropy", "dtype": dtype_name,
                "options": dict(opts, dtype=dtype_name)}
        for k in ("input", "linear_weight", "target", "linear_bias", "weight"):
            if k in t:
                case[k] = tensor_json(t[k])
        if grad_output is not None:
            case["grad_output"] = tensor_json(grad_output.to(dtype))
        expected = {"pytorch": result}
        if safe == "empty":
            expected["safe"] = {"value": tensor_json(torch.zeros((), dtype=dtype)),
                                **{k: tensor_json(torch.zeros_like(t[n])) for k, n in
                                   zip(["grad", "grad_linear_weight", "grad_linear_bias"], diff)}}
        elif safe == "rows":
            ii = opts.get("ignore_index", -100)
            cleaned = dict(t, input=torch.where((t["target"] == ii).unsqueeze(-1), torch.zeros_like(t["input"]),
                                                t["input"]))
            expected["safe"] = run(cleaned)[1]
        case["expected"] = expected
        CASES.append(case)


def check_torch(t, opts, value):
    """The composite above is torch's F.linear_cross_entropy (reference path; the chunked path too
    when the hidden states are finite: it answers NaN for an ignored row of non-finite ones)."""
    kwargs = {k: opts[k] for k in ("reduction", "ignore_index", "label_smoothing") if k in opts}
    finite = bool(torch.isfinite(t["input"]).all())
    for options in (None, torch.nn.LinearCrossEntropyOptions()) if finite else (None,):
        theirs = F.linear_cross_entropy(t["input"], t["linear_weight"], t["target"], linear_bias=t.get("linear_bias"),
                                        weight=t.get("weight"), options=options, **kwargs)
        tol = 1e-12 if value.dtype == torch.float64 else 1e-5
        assert torch.allclose(theirs, value, rtol=tol, atol=tol, equal_nan=True), (theirs, value)


def main():
    warnings.filterwarnings("ignore", message="linear_cross_entropy")
    gen = torch.Generator().manual_seed(20261208)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale

    N, H, C = 6, 5, 7
    x, w, b = randn(N, H), randn(C, H, scale=0.8), randn(C, scale=0.5)
    cw = torch.rand(C, generator=gen, dtype=torch.float64) + 0.3
    y = torch.tensor([0, 3, -100, 6, 2, 3])
    go = torch.rand(N, generator=gen, dtype=torch.float64) + 0.5
    for red in ("none", "mean", "sum"):
        g = go if red == "none" else None
        base = {"input": x, "linear_weight": w, "target": y}
        add(f"2d/bias/{red}", dict(base, linear_bias=b), {"reduction": red}, g)
        add(f"2d/nobias/{red}", base, {"reduction": red}, g)
        add(f"2d/weight/smoothing/{red}", dict(base, linear_bias=b, weight=cw),
            {"reduction": red, "label_smoothing": 0.1}, g)
        add(f"2d/softcap/{red}", dict(base, linear_bias=b, input=x * 4),
            {"reduction": red, "softcap": 3.0}, g)
        add(f"2d/softcap/T/zloss/smoothing/weight/{red}", dict(base, linear_bias=b, input=x * 3, weight=cw),
            {"reduction": red, "softcap": 5.0, "temperature": 1.5, "z_loss": 1e-3, "label_smoothing": 0.05}, g)
        add(f"2d/ignore_index=3/{red}", dict(base, linear_bias=b, target=torch.tensor([0, 3, 3, 6, 2, 1])),
            {"reduction": red, "ignore_index": 3}, g)
        add(f"2d/all_ignored/{red}", dict(base, target=torch.full((N,), -100)), {"reduction": red}, g,
            safe="empty" if red == "mean" else None)
        # Masked vocabulary: -inf bias for two classes (one of them a target: an infinite loss).
        bm = b.clone()
        bm[1] = bm[5] = -math.inf
        add(f"2d/neginf_bias/{red}", dict(base, linear_bias=bm, target=torch.tensor([0, 3, -100, 6, 2, 4])),
            {"reduction": red}, g)
        add(f"2d/neginf_bias_target/{red}", dict(base, linear_bias=bm), {"reduction": red, "label_smoothing": 0.1}, g)
        # Rows of -inf logits (hidden state -inf on a dimension where every weight is positive) and a
        # NaN hidden state: ignored (safe mode leaves them out) and counted (NaN in both modes).
        wp = w.clone()
        wp[:, 0] = wp[:, 0].abs() + 0.1
        xn = x.clone()
        xn[2, 0] = -math.inf
        xn[4, 1] = math.nan
        add(f"2d/nonfinite_ignored/{red}", dict(base, linear_weight=wp, input=xn, linear_bias=b,
                                               target=torch.tensor([0, 3, -100, 6, -100, 3])),
            {"reduction": red}, g, safe="rows")
        add(f"2d/nonfinite_counted/{red}", dict(base, linear_weight=wp, input=xn, linear_bias=b), {"reduction": red}, g,
            safe="rows")
        # Probability targets.
        p = torch.softmax(randn(N, C), dim=1)
        add(f"2d/probabilities/{red}", {"input": x, "linear_weight": w, "target": p, "linear_bias": b, "weight": cw},
            {"reduction": red, "label_smoothing": 0.1}, g)
        # 1-D input: target () or probabilities (C).
        g1 = torch.tensor(1.7) if red == "none" else None
        add(f"1d/{red}", {"input": randn(H), "linear_weight": w, "target": torch.tensor(4), "linear_bias": b},
            {"reduction": red}, g1)
        add(f"1d/probabilities/{red}", {"input": randn(H), "linear_weight": w, "target": torch.softmax(randn(C), 0)},
            {"reduction": red}, g1)
        # K-dimensional linear_weight (C, d1, H) and (C, d1, d2, H), with bias (C, d1[, d2]).
        wk = randn(C, 3, H, scale=0.7)
        yk = torch.randint(0, C, (N, 3), generator=gen)
        yk[1, 2] = -100
        add(f"kdim1/{red}", {"input": x, "linear_weight": wk, "target": yk, "linear_bias": randn(C, 3)},
            {"reduction": red, "label_smoothing": 0.1}, go[:, None].expand(N, 3) if red == "none" else None)
        wk2 = randn(C, 2, 2, H, scale=0.7)
        add(f"kdim2/{red}", {"input": x, "linear_weight": wk2, "target": torch.randint(0, C, (N, 2, 2), generator=gen)},
            {"reduction": red, "softcap": 2.0})
        add(f"kdim1/probabilities/{red}", {"input": x, "linear_weight": wk,
                                           "target": torch.softmax(randn(N, C, 3), dim=1)}, {"reduction": red})
        # Hugging Face layout: (B, T, H) with (B, T) labels, class_dim -1, shift, num_items_in_batch.
        B, T = 2, 4
        xs = randn(B, T, H)
        labels = torch.randint(0, C, (B, T), generator=gen)
        labels[1, 2] = -100
        gs = torch.rand(B, T, generator=gen, dtype=torch.float64) if red == "none" else None
        add(f"3d/class_dim=-1/{red}", {"input": xs, "linear_weight": w, "target": labels, "linear_bias": b},
            {"reduction": red, "class_dim": -1}, gs)
        add(f"3d/shift/{red}", {"input": xs, "linear_weight": w, "target": labels},
            {"reduction": red, "class_dim": -1, "shift": True, "z_loss": 1e-2}, gs)
        if red == "mean":
            add("3d/shift/num_items_in_batch=9", {"input": xs, "linear_weight": w, "target": labels},
                {"class_dim": -1, "shift": True, "num_items_in_batch": 9})
    # Blocks of the vocabulary: 1 MiB holds fewer than 64 rows of 5000 classes, so the kernel takes
    # 64 rows by 4084 classes and recomputes the logits in its backward pass.
    xb, wb = randn(70, 4), randn(5000, 4, scale=2.0)
    yb = torch.randint(0, 5000, (70,), generator=gen)
    yb[::7] = -100
    add("vocab_blocks/memory_budget=1MiB", {"input": xb, "linear_weight": wb, "target": yb,
                                            "linear_bias": randn(5000)},
        {"memory_budget": 1 << 20, "label_smoothing": 0.1, "z_loss": 1e-4})
    worked = worked_example()
    with open(os.path.join(HERE, "golden_linear_ce.json"), "w") as f:
        json.dump({"generator": os.path.basename(__file__), "torch": torch.__version__, "cases": CASES,
                   "worked_example": worked}, f)
    large()


def worked_example():
    """The README's worked example (a user's question: nn.Linear(2, 4), one sample, CrossEntropyLoss
    against NLLLoss on the raw outputs): L1.weight.grad and L1.bias.grad in both cases. Also a
    golden case, so lossd's linear_cross_entropy is checked against it everywhere."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(2, 4)
    x = torch.tensor([[1.0, 2.0]])
    target = torch.tensor([3])
    out = {"input": x.tolist(), "linear_weight": layer.weight.tolist(), "linear_bias": layer.bias.tolist(),
           "target": target.tolist()}
    for name, criterion in (("cross_entropy", torch.nn.CrossEntropyLoss()), ("nll_loss_on_raw_outputs", torch.nn.NLLLoss())):
        layer.zero_grad()
        loss = criterion(layer(x), target)
        loss.backward()
        out[name] = {"loss": loss.item(), "weight_grad": layer.weight.grad.tolist(), "bias_grad": layer.bias.grad.tolist()}
    add("worked_example/linear(2,4)", {"input": x.double(), "linear_weight": layer.weight.detach().double(),
                                       "target": target, "linear_bias": layer.bias.detach().double()})
    return out


def formula(shape, a, b, scale):
    """sin(a * i + b) * scale over the flat index i, in float64, then rounded to float32: both sides
    build the same float32 tensors without shipping 4 million numbers."""
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (torch.sin(a * i + b) * scale).to(torch.float32).reshape(shape)


def large():
    """A 256000-class job: its float32 inputs, computed in float64 by torch."""
    N, H, C = 4, 16, 256000
    x = formula((N, H), 0.37, 0.1, 1.0).double().requires_grad_(True)
    w = formula((C, H), 0.731, 0.3, 0.5).double().requires_grad_(True)
    b = formula((C,), 0.193, 0.7, 0.25).double().requires_grad_(True)
    y = torch.tensor([5, 255999, 128000, 77])
    value = F.linear_cross_entropy(x, w, y, linear_bias=b)
    gx, gw, gb = torch.autograd.grad(value, [x, w, b])
    rows = sorted(set(y.tolist()) | {0, 1000, 200000})
    doc = {"generator": os.path.basename(__file__), "torch": torch.__version__, "cases": [],
           "large_vocabulary": {
               "N": N, "H": H, "C": C, "target": y.tolist(),
               "formula": {"input": [0.37, 0.1, 1.0], "linear_weight": [0.731, 0.3, 0.5],
                           "linear_bias": [0.193, 0.7, 0.25]},
               "value": value.item(), "grad": gx.reshape(-1).tolist(),
               "grad_linear_weight_rows": {str(r): gw[r].tolist() for r in rows},
               "grad_linear_weight_norm": gw.norm().item(), "grad_linear_bias_norm": gb.norm().item()}}
    with open(os.path.join(HERE, "golden_linear_ce_large.json"), "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
