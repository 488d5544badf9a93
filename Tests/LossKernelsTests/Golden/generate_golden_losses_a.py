#!/usr/bin/env python3
"""Golden vectors for ctc_loss, poisson_nll_loss, gaussian_nll_loss and margin_ranking_loss,
produced by real PyTorch:
    /work/torch-venv/bin/python Tests/LossKernelsTests/Golden/generate_golden_losses_a.py
It rewrites golden_losses_a.json next to this script, in golden.json's schema (see
generate_golden.py) with each tensor under its wire name (log_probs, targets, input_lengths,
target_lengths, input, target, var, input1, input2) and, in each expectation, `grad` for the
loss's first differentiable tensor and `grad_NAME` for the others (grad_var, grad_input2).

compat=safe differs from PyTorch only for ctc_loss samples whose loss is infinite without
zero_infinity: safe mode zeroes them as zero_infinity does, so the "safe" expectation is
PyTorch's answer with zero_infinity=True.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_golden import DTYPES, tensor_json  # noqa: E402

# The differentiable tensors of each loss, first one first (its gradient is `grad`).
DIFFERENTIABLE = {
    "ctc_loss": ["log_probs"],
    "poisson_nll_loss": ["input"],
    "gaussian_nll_loss": ["input", "var"],
    "margin_ranking_loss": ["input1", "input2"],
}


def forward(loss, t, opts):
    red = opts.get("reduction", "mean")
    if loss == "ctc_loss":
        return F.ctc_loss(t["log_probs"], t["targets"], t["input_lengths"], t["target_lengths"],
                          blank=opts.get("blank", 0), reduction=red, zero_infinity=opts.get("zero_infinity", False))
    if loss == "poisson_nll_loss":
        return F.poisson_nll_loss(t["input"], t["target"], log_input=opts.get("log_input", True),
                                  full=opts.get("full", False), eps=opts.get("eps", 1e-8), reduction=red)
    if loss == "gaussian_nll_loss":
        return F.gaussian_nll_loss(t["input"], t["target"], t["var"], full=opts.get("full", False),
                                   eps=opts.get("eps", 1e-6), reduction=red)
    if loss == "margin_ranking_loss":
        return F.margin_ranking_loss(t["input1"], t["input2"], t["target"], margin=opts.get("margin", 0.0),
                                     reduction=red)
    raise ValueError(loss)


def run(loss, tensors, grad_output, opts):
    """Value and {wire gradient name: gradient} of sum(grad_output * value)."""
    t = {k: v.detach().clone().requires_grad_(k in DIFFERENTIABLE[loss]) for k, v in tensors.items()}
    value = forward(loss, t, opts)
    g = torch.ones_like(value) if grad_output is None else grad_output.expand_as(value)
    names = DIFFERENTIABLE[loss]
    grads = torch.autograd.grad(value, [t[n] for n in names], g, allow_unused=True)
    result = {"value": tensor_json(value)}
    for i, (n, grad) in enumerate(zip(names, grads)):
        result["grad" if i == 0 else "grad_" + n] = tensor_json(grad if grad is not None else torch.zeros_like(t[n]))
    return result


CASES = []


def add(name, loss, tensors, opts=None, grad_output=None):
    opts = dict(opts or {})
    for dtype_name, dtype in DTYPES.items():
        cast = {k: v.to(dtype) if v.is_floating_point() else v for k, v in tensors.items()}
        go = grad_output.to(dtype) if grad_output is not None else None
        case = {"name": f"{name}/{dtype_name}", "loss": loss, "dtype": dtype_name,
                "options": dict(opts, dtype=dtype_name)}
        case.update({k: tensor_json(v) for k, v in cast.items()})
        if go is not None:
            case["grad_output"] = tensor_json(go)
        expected = {"pytorch": run(loss, cast, go, opts)}
        if loss == "ctc_loss" and not opts.get("zero_infinity", False):
            safe = run(loss, cast, go, dict(opts, zero_infinity=True))
            if safe != expected["pytorch"]:
                expected["safe"] = safe
        case["expected"] = expected
        CASES.append(case)


def main():
    gen = torch.Generator().manual_seed(20261207)

    def randn(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale

    def rand(*shape):
        return torch.rand(*shape, generator=gen, dtype=torch.float64)

    def lengths(*values):
        return torch.tensor(values, dtype=torch.int64)

    # ctc_loss: T = 6 frames, N = 4 samples, C = 5 classes.
    T, N, C = 6, 4, 5
    lp = torch.log_softmax(randn(T, N, C, scale=2.0), 2)
    # sample 0: full length, a repeat (needs a blank between); 1: input length 0 and target 0;
    # 2: target length 0 over 4 frames; 3: target filling the padded width S = 3.
    padded = torch.tensor([[1, 2, 2], [0, 0, 0], [3, 3, 3], [4, 1, 3]])
    il, tl = lengths(6, 0, 4, 5), lengths(3, 0, 0, 3)
    concatenated = torch.tensor([1, 2, 2, 4, 1, 3])
    # infeasible: [1, 1, 2] needs 4 frames but has 3; [3, 3] needs 3 but has 2.
    infeasible = torch.tensor([[1, 1, 2], [3, 3, 0], [2, 4, 0], [1, 0, 0]])
    il_inf, tl_inf = lengths(3, 2, 6, 1), lengths(3, 2, 2, 1)
    # blank = 4: class 0 is a label.
    padded_b4 = torch.tensor([[0, 2, 2], [1, 0, 0], [3, 0, 3], [0, 0, 1]])
    tl_b4 = lengths(3, 1, 3, 3)
    for red in ("none", "mean", "sum"):
        for zi in (False, True):
            opts = {"reduction": red}
            if zi:
                opts["zero_infinity"] = True
            tag = f"{red}/zi={zi}"
            add(f"ctc/padded/{tag}", "ctc_loss",
                {"log_probs": lp, "targets": padded, "input_lengths": il, "target_lengths": tl}, opts)
            add(f"ctc/infeasible/{tag}", "ctc_loss",
                {"log_probs": lp, "targets": infeasible, "input_lengths": il_inf, "target_lengths": tl_inf}, opts)
        add(f"ctc/concatenated/{red}", "ctc_loss",
            {"log_probs": lp, "targets": concatenated, "input_lengths": lengths(6, 5, 6, 4),
             "target_lengths": lengths(3, 0, 1, 2)}, {"reduction": red})
        add(f"ctc/blank4/{red}", "ctc_loss",
            {"log_probs": lp, "targets": padded_b4, "input_lengths": lengths(6, 6, 5, 6), "target_lengths": tl_b4},
            {"reduction": red, "blank": 4})
        add(f"ctc/unbatched/{red}", "ctc_loss",
            {"log_probs": lp[:, 0], "targets": torch.tensor([2, 1, 3]), "input_lengths": torch.tensor(6),
             "target_lengths": torch.tensor(3)}, {"reduction": red})
        add(f"ctc/not-log-softmaxed/{red}", "ctc_loss",
            {"log_probs": randn(T, N, C), "targets": padded, "input_lengths": il, "target_lengths": tl},
            {"reduction": red})
    add("ctc/grad-output-none", "ctc_loss",
        {"log_probs": lp, "targets": infeasible, "input_lengths": il_inf, "target_lengths": tl_inf},
        {"reduction": "none"}, grad_output=rand(N) + 0.5)
    add("ctc/grad-output-mean", "ctc_loss",
        {"log_probs": lp, "targets": padded, "input_lengths": il, "target_lengths": tl},
        {"reduction": "mean"}, grad_output=torch.tensor(0.37, dtype=torch.float64))
    lp_long = torch.log_softmax(randn(12, 2, 6, scale=2.0), 2)
    add("ctc/long/mean", "ctc_loss",
        {"log_probs": lp_long, "targets": torch.tensor([[1, 2, 3, 3, 5, 1], [4, 4, 4, 2, 0, 0]]),
         "input_lengths": lengths(12, 9), "target_lengths": lengths(6, 4)}, {"reduction": "mean"})

    # poisson_nll_loss
    rates = rand(3, 4) * 3 + 0.05
    rates[0, 0], rates[0, 1] = 0.0, 1e-6
    counts = torch.tensor([[0.0, 1.0, 2.0, 5.0], [3.0, 0.0, 1.0, 7.0], [12.0, 2.0, 0.5, 1.5]], dtype=torch.float64)
    log_rates = randn(3, 4)
    for red in ("none", "mean", "sum"):
        for full in (False, True):
            add(f"poisson/log-input/full={full}/{red}", "poisson_nll_loss", {"input": log_rates, "target": counts},
                {"reduction": red, "full": full})
            add(f"poisson/rates/full={full}/{red}", "poisson_nll_loss", {"input": rates, "target": counts},
                {"reduction": red, "full": full, "log_input": False})
        add(f"poisson/rates/eps=0.01/{red}", "poisson_nll_loss", {"input": rates, "target": counts},
            {"reduction": red, "log_input": False, "eps": 0.01})
    add("poisson/grad-output-none", "poisson_nll_loss", {"input": log_rates, "target": counts},
        {"reduction": "none", "full": True}, grad_output=rand(3, 4))

    # gaussian_nll_loss
    mean, sample = randn(4, 3), randn(4, 3)
    var = rand(4, 3) + 0.1
    var[0, 0], var[1, 1], var[2, 2] = 1e-6, 1e-8, 0.0  # at eps, below eps, zero (both clamped)
    for red in ("none", "mean", "sum"):
        for full in (False, True):
            add(f"gaussian/same-shape/full={full}/{red}", "gaussian_nll_loss",
                {"input": mean, "target": sample, "var": var}, {"reduction": red, "full": full})
        add(f"gaussian/var-one-fewer-dim/{red}", "gaussian_nll_loss",
            {"input": mean, "target": sample, "var": rand(4) + 0.2}, {"reduction": red})
        add(f"gaussian/var-last-dim-1/{red}", "gaussian_nll_loss",
            {"input": mean, "target": sample, "var": rand(4, 1) + 0.2}, {"reduction": red})
        add(f"gaussian/var-first-dim-1/{red}", "gaussian_nll_loss",
            {"input": randn(2, 3, 2), "target": randn(2, 3, 2), "var": rand(1, 3, 2) + 0.2}, {"reduction": red})
        add(f"gaussian/target-broadcast/{red}", "gaussian_nll_loss",
            {"input": mean, "target": randn(4, 1), "var": var}, {"reduction": red})
        add(f"gaussian/eps=0.05/{red}", "gaussian_nll_loss",
            {"input": mean, "target": sample, "var": var}, {"reduction": red, "eps": 0.05, "full": True})
    add("gaussian/grad-output-none", "gaussian_nll_loss", {"input": mean, "target": sample, "var": rand(4) + 0.2},
        {"reduction": "none"}, grad_output=rand(4, 3))

    # margin_ranking_loss
    x1, x2 = randn(8), randn(8)
    x2[0], x2[1] = x1[0], x1[1]  # ties: with margin 0 the hinge sits at its kink
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0], dtype=torch.float64)
    for red in ("none", "mean", "sum"):
        for margin in (0.0, 0.5, -0.3):
            add(f"margin-ranking/margin={margin}/{red}", "margin_ranking_loss",
                {"input1": x1, "input2": x2, "target": sign}, {"reduction": red, "margin": margin})
        add(f"margin-ranking/2d/{red}", "margin_ranking_loss",
            {"input1": randn(3, 4), "input2": randn(3, 4), "target": sign[:4].repeat(3, 1)},
            {"reduction": red, "margin": 0.2})
        add(f"margin-ranking/target-broadcast/{red}", "margin_ranking_loss",
            {"input1": x1, "input2": x2, "target": torch.tensor([-1.0], dtype=torch.float64)},
            {"reduction": red, "margin": 0.1})
    add("margin-ranking/grad-output-none", "margin_ranking_loss", {"input1": x1, "input2": x2, "target": sign},
        {"reduction": "none", "margin": 0.5}, grad_output=rand(8))

    out = {"torch_version": torch.__version__.split("+")[0], "cases": CASES}
    path = os.path.join(HERE, "golden_losses_a.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
    print(f"{len(CASES)} cases, {os.path.getsize(path)} bytes -> {path}")


if __name__ == "__main__":
    main()
