#!/usr/bin/env python3
"""Golden vectors for lossd's loss kernels, produced by real PyTorch.

Run (torch lives outside the repo; never install it in the repo or CI):
    /work/torchenv/bin/python Tests/LossKernelsTests/Golden/generate_golden.py
It rewrites golden.json next to this script. The Swift tests (GoldenTests.swift) replay every
case through `Loss.compute`; the API's end-to-end tests replay the same file over HTTP.

Schema of golden.json (one JSON object):
  {"torch_version": "2.15.0", "cases": [CASE, ...]}
  CASE = {
    "name":    unique, human-readable,
    "loss":    wire name ("cross_entropy", ...),
    "dtype":   "float32" | "float64" (also options.dtype; the input tensor is stored in it),
    "options": {wire option name: value} (only the ones set; absent = default),
    "input":   TENSOR, "target": TENSOR,
    "weight", "pos_weight", "grad_output": TENSOR (optional; grad_output absent = 1),
    "expected": {"pytorch": RESULT, "safe": RESULT}
                ("safe" is present only where compat=safe differs from PyTorch; otherwise
                 both modes must give "pytorch")
  }
  TENSOR = {"shape": [..], "dtype": "float32"|"float64"|"int64", "data": [flat row-major]}
           non-finite numbers are the strings "NaN", "Infinity", "-Infinity".
  RESULT = {"value": TENSOR (shape [] when reduced), "grad": TENSOR (gradient w.r.t. input of
            sum(grad_output * value))}
Tolerances used by the tests: float64 1e-12 relative; float32 1e-5 relative or 1e-6 absolute.

Semantics of the lossd extras for cross_entropy, computed here with torch ops:
  temperature T: logits are divided by T before everything (the gradient chains through 1/T);
  z_loss c: adds c * logsumexp(z)^2 for every counted sample (not ignored), inside the same
  reduction: mean divides by the same denominator as the cross entropy (sum of the class
  weights of counted targets for class indices, the number of rows for probabilities).
sigmoid_focal_loss follows torchvision.ops.sigmoid_focal_loss (re-stated below with torch ops).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def number(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return int(v) if isinstance(v, int) else float(v)


def tensor_json(t):
    t = t.detach()
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    data = t.reshape(-1).tolist()
    return {"shape": list(t.shape), "dtype": dtype, "data": [number(v) for v in data]}


# ---------------------------------------------------------------------------------------------
# PyTorch forward functions (value only); gradients come from autograd.

def class_dim(x):
    return 0 if x.dim() == 1 else 1


def cross_entropy(x, target, weight, opts):
    """torch's cross_entropy plus lossd's extras. Causal-LM options, as transformers' ForCausalLMLoss:
    class_dim -1 moves the classes of (B, T, V) logits to dim 1; shift pads the labels with
    ignore_index and takes labels[..., 1:]; num_items_in_batch sums, then divides by it."""
    ii = opts.get("ignore_index", -100)
    if opts.get("class_dim", 1) == -1 and x.dim() > 1:
        x = x.movedim(-1, 1)
        if target.is_floating_point():
            target = target.movedim(-1, 1)
    if opts.get("shift", False):
        target = F.pad(target, (0, 1), value=ii)[..., 1:]
    items = opts.get("num_items_in_batch", 0)
    red = opts.get("reduction", "mean")
    if items and red == "mean":
        return cross_entropy(x, target, weight, dict(opts, reduction="sum", class_dim=1, shift=False,
                                                     num_items_in_batch=0)) / items
    T = opts.get("temperature", 1.0)
    zc = opts.get("z_loss", 0.0)
    z = x / T if T != 1.0 else x
    value = F.cross_entropy(z, target, weight=weight, ignore_index=ii, reduction=red,
                            label_smoothing=opts.get("label_smoothing", 0.0))
    if zc > 0:
        lse = torch.logsumexp(z, dim=class_dim(x))
        if target.dtype == torch.int64:
            valid = target != ii
            zl = torch.where(valid, zc * lse * lse, torch.zeros_like(lse))
            safe_t = torch.where(valid, target, torch.zeros_like(target))
            w = weight[safe_t] if weight is not None else torch.ones_like(lse)
            denominator = torch.where(valid, w, torch.zeros_like(w)).sum()
        else:
            zl = zc * lse * lse
            denominator = lse.numel()
        if red == "none":
            value = value + zl
        elif red == "sum":
            value = value + zl.sum()
        else:
            value = value + zl.sum() / denominator
    return value


def focal(x, y, opts):
    alpha = opts.get("alpha", 0.25)
    gamma = opts.get("gamma", 2.0)
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    red = opts.get("reduction", "mean")
    return loss.mean() if red == "mean" else loss.sum() if red == "sum" else loss


def forward(loss, x, y, weight, pos_weight, opts):
    red = opts.get("reduction", "mean")
    if loss == "cross_entropy":
        return cross_entropy(x, y, weight, opts)
    if loss == "nll_loss":
        return F.nll_loss(x, y, weight=weight, ignore_index=opts.get("ignore_index", -100), reduction=red)
    if loss == "binary_cross_entropy":
        return F.binary_cross_entropy(x, y, weight=weight, reduction=red)
    if loss == "binary_cross_entropy_with_logits":
        return F.binary_cross_entropy_with_logits(x, y, weight=weight, pos_weight=pos_weight, reduction=red)
    if loss == "kl_div":
        return F.kl_div(x, y, reduction=red, log_target=opts.get("log_target", False))
    if loss == "mse_loss":
        return F.mse_loss(x, y, reduction=red)
    if loss == "l1_loss":
        return F.l1_loss(x, y, reduction=red)
    if loss == "smooth_l1_loss":
        return F.smooth_l1_loss(x, y, reduction=red, beta=opts.get("beta", 1.0))
    if loss == "huber_loss":
        return F.huber_loss(x, y, reduction=red, delta=opts.get("delta", 1.0))
    if loss == "sigmoid_focal_loss":
        return focal(x, y, opts)
    raise ValueError(loss)


def run(loss, x, y, weight, pos_weight, grad_output, opts):
    x = x.detach().clone().requires_grad_(True)
    value = forward(loss, x, y, weight, pos_weight, opts)
    g = torch.ones_like(value) if grad_output is None else grad_output.expand_as(value)
    (grad,) = torch.autograd.grad(value, x, g, allow_unused=True)
    if grad is None:
        grad = torch.zeros_like(x)
    return value.detach(), grad


def safe_expectation(loss, x, y, weight, pos_weight, grad_output, opts, torch_result):
    """compat=safe: ignored positions give exactly zero value and gradient whatever their logits;
    a mean over zero counted targets (or zero weight sum) is 0 with zero gradient. Computed with
    torch by replacing ignored rows' logits with zeros (finite rows get zero gradient there)."""
    if loss == "sigmoid_focal_loss" and 0 < opts.get("gamma", 2.0) < 1:
        # Saturated logits (1 - p_t == 0): torch's pow backward gives inf * 0 = NaN; the limit is 0.
        p = torch.sigmoid(x)
        saturated = (p * y + (1 - p) * (1 - y)) == 1
        value, grad = torch_result
        return value, torch.where(saturated, torch.zeros_like(grad), grad)
    if loss == "kl_div":
        # p = 0 against an infinite log ratio: torch's term is 0 * inf = NaN; the limit is 0.
        log_target = opts.get("log_target", False)
        limit = (y == -math.inf) & torch.isfinite(x) if log_target else (y == 0) & (x == -math.inf)
        if limit.any():
            terms = F.kl_div(x, y, reduction="none", log_target=log_target)
            terms = torch.where(limit, torch.zeros_like(terms), terms)
            red = opts.get("reduction", "mean")
            value = {"none": terms, "sum": terms.sum(), "mean": terms.mean(),
                     "batchmean": terms.sum() / (x.shape[0] if x.dim() > 0 else 1)}[red]
            return value, torch_result[1]
        return None
    if loss not in ("cross_entropy", "nll_loss"):
        if opts.get("reduction", "mean") in ("mean", "batchmean") and x.numel() == 0:
            return torch.zeros(()), torch.zeros_like(x)
        return None
    if y.dtype != torch.int64:
        return None
    ii = opts.get("ignore_index", -100)
    counted = F.pad(y, (0, 1), value=ii)[..., 1:] if opts.get("shift", False) else y
    valid = counted != ii
    if opts.get("reduction", "mean") == "mean" and not opts.get("num_items_in_batch", 0):
        safe_t = torch.where(valid, counted, torch.zeros_like(counted))
        w = weight[safe_t] if weight is not None else torch.ones(counted.shape, dtype=x.dtype)
        if torch.where(valid, w, torch.zeros_like(w)).sum() == 0:
            return torch.zeros((), dtype=x.dtype), torch.zeros_like(x)
    cleaned = x.detach().clone()
    axis = -1 if opts.get("class_dim", 1) == -1 else class_dim(x)
    mask = (~valid).unsqueeze(axis).expand_as(x) if x.dim() > 1 else (~valid).expand_as(x)
    cleaned[mask] = 0.0
    value, grad = run(loss, cleaned, y, weight, pos_weight, grad_output, opts)
    return value, grad


CASES = []


def add(name, loss, x, y, opts=None, weight=None, pos_weight=None, grad_output=None):
    opts = dict(opts or {})
    for dtype_name, dtype in DTYPES.items():
        xd = x.to(dtype)
        yd = y.to(dtype) if y.is_floating_point() else y
        wd = weight.to(dtype) if weight is not None else None
        pd = pos_weight.to(dtype) if pos_weight is not None else None
        gd = grad_output.to(dtype) if grad_output is not None else None
        value, grad = run(loss, xd, yd, wd, pd, gd, opts)
        case = {"name": f"{name}/{dtype_name}", "loss": loss, "dtype": dtype_name,
                "options": dict(opts, dtype=dtype_name), "input": tensor_json(xd), "target": tensor_json(yd)}
        if wd is not None:
            case["weight"] = tensor_json(wd)
        if pd is not None:
            case["pos_weight"] = tensor_json(pd)
        if gd is not None:
            case["grad_output"] = tensor_json(gd)
        expected = {"pytorch": {"value": tensor_json(value), "grad": tensor_json(grad)}}
        safe = safe_expectation(loss, xd, yd, wd, pd, gd, opts, (value, grad))
        if safe is not None:
            sv, sg = safe
            same = torch.equal(torch.nan_to_num(sv.to(value.dtype), 7.25), torch.nan_to_num(value, 7.25)) and \
                torch.equal(torch.nan_to_num(sg, 7.25), torch.nan_to_num(grad, 7.25))
            if not same:
                expected["safe"] = {"value": tensor_json(sv.to(value.dtype)), "grad": tensor_json(sg)}
        case["expected"] = expected
        CASES.append(case)


def main():
    gen = torch.Generator().manual_seed(20261123)

    def randn(*shape, scale=2.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale

    def rand(*shape):
        return torch.rand(*shape, generator=gen, dtype=torch.float64)

    N, C = 5, 4
    x = randn(N, C)
    t = torch.tensor([2, 0, -100, 3, 1])
    t_class = torch.tensor([2, 0, 1, 3, 1])  # with ignore_index = 1 a real class is dropped
    w = torch.tensor([0.2, 0.3, 0.5, 1.5], dtype=torch.float64)
    go_rows = rand(N) + 0.5

    # cross_entropy and nll_loss with class indices: the whole option matrix.
    for red in ("none", "mean", "sum"):
        for weight in (None, w):
            for ls in (0.0, 0.1):
                for ii, tt in ((-100, t), (1, t_class)):
                    opts = {"reduction": red, "ignore_index": ii}
                    if ls:
                        opts["label_smoothing"] = ls
                    tag = f"{red}/w={weight is not None}/ls={ls}/ii={ii}"
                    add(f"ce/index/{tag}", "cross_entropy", x, tt, opts, weight=weight)
                    if not ls:
                        add(f"nll/{tag}", "nll_loss", torch.log_softmax(x, 1), tt, opts, weight=weight)
        # lossd extras
        for T, zc in ((2.0, 0.0), (1.0, 1e-2), (0.5, 1e-3)):
            add(f"ce/extras/T={T}/z={zc}/{red}", "cross_entropy", x, t,
                {"reduction": red, "temperature": T, "z_loss": zc, "label_smoothing": 0.05}, weight=w)
            add(f"ce/extras-prob/T={T}/z={zc}/{red}", "cross_entropy", x, torch.softmax(randn(N, C), 1),
                {"reduction": red, "temperature": T, "z_loss": zc})
        # probability targets
        for weight in (None, w):
            for ls in (0.0, 0.2):
                opts = {"reduction": red}
                if ls:
                    opts["label_smoothing"] = ls
                add(f"ce/prob/{red}/w={weight is not None}/ls={ls}", "cross_entropy", x,
                    torch.softmax(randn(N, C), 1), opts, weight=weight)
        # K-dimensional and unbatched
        xk = randn(2, 3, 4)
        tk = torch.tensor([[0, 2, -100, 1], [2, 2, 0, -100]])
        add(f"ce/kdim3/{red}", "cross_entropy", xk, tk, {"reduction": red, "label_smoothing": 0.1},
            weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))
        x4 = randn(2, 3, 2, 2)
        t4 = torch.tensor([[[0, 2], [1, -100]], [[2, 1], [0, 0]]])
        add(f"ce/kdim4/{red}", "cross_entropy", x4, t4, {"reduction": red, "z_loss": 1e-2, "temperature": 1.5})
        add(f"ce/kdim4-prob/{red}", "cross_entropy", x4, torch.softmax(randn(2, 3, 2, 2), 1), {"reduction": red})
        add(f"nll/kdim3/{red}", "nll_loss", torch.log_softmax(xk, 1), tk, {"reduction": red})
        add(f"ce/unbatched/{red}", "cross_entropy", randn(C), torch.tensor(2), {"reduction": red})
        add(f"ce/unbatched-prob/{red}", "cross_entropy", randn(C), torch.softmax(randn(C), 0),
            {"reduction": red, "label_smoothing": 0.1})
        add(f"nll/unbatched/{red}", "nll_loss", torch.log_softmax(randn(C), 0), torch.tensor(1), {"reduction": red})

        # seeds' edge cases
        xm = randn(N, C)
        xm[2] = -math.inf  # all -inf row whose target is ignored (PyTorch: NaN gradient)
        xm[0, 1] = -math.inf  # a masked non-target class
        add(f"ce/masked-ignored-row/{red}", "cross_entropy", xm, t, {"reduction": red})
        add(f"ce/masked-ignored-row-ls/{red}", "cross_entropy", xm, t,
            {"reduction": red, "label_smoothing": 0.1}, weight=w)
        xn = x.clone()
        xn[2, 1] = math.nan  # ignored row with a NaN (PyTorch: NaN gradient row)
        xn[3, 0] = math.inf  # counted row with +inf: its loss and gradient are NaN in both modes
        xn[4, 3] = math.nan  # counted row with a NaN
        add(f"ce/nonfinite-rows/{red}", "cross_entropy", xn, t, {"reduction": red})
        add(f"ce/nonfinite-rows-extras/{red}", "cross_entropy", xn, t,
            {"reduction": red, "label_smoothing": 0.1, "temperature": 2.0, "z_loss": 1e-3}, weight=w)
        add(f"ce/all-ignored/{red}", "cross_entropy", x, torch.full((N,), -100), {"reduction": red})
        add(f"ce/all-ignored-ls/{red}", "cross_entropy", x, torch.full((N,), -100),
            {"reduction": red, "label_smoothing": 0.1}, weight=w)
        add(f"nll/all-ignored/{red}", "nll_loss", torch.log_softmax(x, 1), torch.full((N,), -100), {"reduction": red})
        add(f"ce/zero-weight-sum/{red}", "cross_entropy", x, torch.tensor([0, 0, -100, 0, 0]), {"reduction": red},
            weight=torch.tensor([0.0, 1.0, 1.0, 1.0], dtype=torch.float64))
        xe = randn(N, C).sign() * 1e4
        xe[1] = torch.tensor([1e4, -1e4, 0.5, 9999.0], dtype=torch.float64)
        add(f"ce/logits-1e4/{red}", "cross_entropy", xe, t_class, {"reduction": red})
        add(f"ce/logits-1e4-ls/{red}", "cross_entropy", xe, t, {"reduction": red, "label_smoothing": 0.1}, weight=w)
        add(f"ce/ignore-index-255/{red}", "cross_entropy", x, torch.tensor([255, 0, 3, 255, 1]),
            {"reduction": red, "ignore_index": 255})

    # a 3000-wide vocabulary (rows longer than the fused kernel's vector blocks)
    add("ce/wide-vocab/mean", "cross_entropy", randn(3, 3000, scale=4.0), torch.tensor([17, 2999, -100]),
        {"reduction": "mean", "label_smoothing": 0.1})

    # upstream gradients
    add("ce/grad-output-none", "cross_entropy", x, t, {"reduction": "none"}, grad_output=go_rows)
    add("ce/grad-output-mean", "cross_entropy", x, t, {"reduction": "mean", "label_smoothing": 0.1},
        grad_output=torch.tensor(0.37, dtype=torch.float64))
    add("mse/grad-output-none", "mse_loss", randn(3, 2), randn(3, 2), {"reduction": "none"},
        grad_output=rand(3, 2))

    # binary and elementwise losses
    xb = rand(3, 4)
    xb[0, 0], xb[0, 1], xb[1, 2] = 0.0, 1.0, 1e-50
    yb = rand(3, 4)
    yb[0, 0], yb[0, 1], yb[1, 2] = 1.0, 0.0, 1.0
    xl = randn(3, 4, scale=3.0)
    xl[0, 0], xl[2, 3] = 100.0, -100.0
    for red in ("none", "mean", "sum"):
        for weight in (None, rand(4) + 0.5):
            add(f"bce/{red}/w={weight is not None}", "binary_cross_entropy", xb, yb, {"reduction": red},
                weight=weight)
            for pw in (None, rand(4) * 3):
                add(f"bcel/{red}/w={weight is not None}/pw={pw is not None}", "binary_cross_entropy_with_logits",
                    xl, yb, {"reduction": red}, weight=weight, pos_weight=pw)
        add(f"bcel/kdim-pw-c11/{red}", "binary_cross_entropy_with_logits", randn(2, 3, 2, 2),
            rand(2, 3, 2, 2).round(), {"reduction": red}, pos_weight=rand(3, 1, 1) * 2)
        xr, yr = randn(3, 4), randn(3, 4)
        yr[0, 0] = xr[0, 0]  # d = 0
        yr[1, 1] = xr[1, 1] - 0.5  # d = beta boundary for beta = 0.5
        for loss in ("mse_loss", "l1_loss"):
            add(f"{loss}/{red}", loss, xr, yr, {"reduction": red})
        for beta in (1.0, 0.5, 0.0):
            add(f"smooth_l1/beta={beta}/{red}", "smooth_l1_loss", xr, yr, {"reduction": red, "beta": beta})
        for delta in (1.0, 0.3):
            add(f"huber/delta={delta}/{red}", "huber_loss", xr, yr, {"reduction": red, "delta": delta})
        for alpha in (0.25, -1.0):
            for gamma in (2.0, 0.0, 0.5):
                add(f"focal/a={alpha}/g={gamma}/{red}", "sigmoid_focal_loss", xl, yb.round(),
                    {"reduction": red, "alpha": alpha, "gamma": gamma})
    # Causal-LM layout (issue 14): (B, T, V) logits, (B, T) labels padded with -100.
    lm = randn(2, 5, 7)
    labels = torch.tensor([[3, 1, 4, 1, -100], [5, 2, -100, -100, -100]])
    all_ignored = torch.tensor([[3, -100, -100, -100, -100], [-100, -100, -100, -100, -100]])
    lm_inf = lm.clone()
    lm_inf[1, 3, :] = -math.inf
    for red in ("none", "mean", "sum"):
        add(f"lm/class_dim=-1/{red}", "cross_entropy", lm, labels, {"reduction": red, "class_dim": -1})
        add(f"lm/shift/{red}", "cross_entropy", lm, labels, {"reduction": red, "class_dim": -1, "shift": True})
        add(f"lm/shift/smoothing/{red}", "cross_entropy", lm, labels,
            {"reduction": red, "class_dim": -1, "shift": True, "label_smoothing": 0.1})
        add(f"lm/shift/all-ignored/{red}", "cross_entropy", lm, all_ignored,
            {"reduction": red, "class_dim": -1, "shift": True})
        add(f"lm/shift/-inf-row/{red}", "cross_entropy", lm_inf, labels,
            {"reduction": red, "class_dim": -1, "shift": True})
    for items in (4, 9):
        add(f"lm/shift/num_items={items}", "cross_entropy", lm, labels,
            {"class_dim": -1, "shift": True, "num_items_in_batch": items})
        add(f"lm/shift/num_items={items}/z_loss", "cross_entropy", lm, labels,
            {"class_dim": -1, "shift": True, "num_items_in_batch": items, "z_loss": 0.01})
    add("lm/class_dim=-1/probabilities", "cross_entropy", lm, torch.softmax(randn(2, 5, 7), -1), {"class_dim": -1})
    add("lm/class_dim=-1/unbatched-sequence", "cross_entropy", lm[0], labels[0], {"class_dim": -1, "shift": True})

    for red in ("none", "mean", "sum", "batchmean"):
        q = torch.log_softmax(randn(3, 4), 1)
        p = torch.softmax(randn(3, 4), 1)
        p[0, 1] = 0.0
        add(f"kl/{red}", "kl_div", q, p, {"reduction": red})
        add(f"kl/log-target/{red}", "kl_div", q, torch.log_softmax(randn(3, 4), 1),
            {"reduction": red, "log_target": True})
        # Issue 18.6: a zero target where the input is -inf (and a log target of -inf).
        q_inf = q.clone()
        q_inf[0, 1] = -math.inf
        add(f"kl/zero-target-at-minus-inf/{red}", "kl_div", q_inf, p, {"reduction": red})
        log_p = torch.log_softmax(randn(3, 4), 1)
        log_p[1, 2] = -math.inf
        add(f"kl/log-target-minus-inf/{red}", "kl_div", q, log_p, {"reduction": red, "log_target": True})

    out = {"torch_version": torch.__version__.split("+")[0], "cases": CASES}
    path = os.path.join(HERE, "golden.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
    print(f"{len(CASES)} cases, {os.path.getsize(path)} bytes -> {path}")


if __name__ == "__main__":
    main()
