"""The committed PyTorch golden vectors (every Tests/LossKernelsTests/Golden/*.json; schema in
generate_golden.py next to them) and the comparison the end-to-end tests apply to lossd's answers.
A case's tensors are the members that are not its metadata; its expected gradients are `grad` (of
the loss's first differentiable tensor) and `grad_NAME` (of the others)."""
import json
import math

import numpy as np

from conftest import GOLDEN_DIR

CASES = []
for path in sorted(GOLDEN_DIR.glob("*.json")):
    with open(path) as f:
        CASES += json.load(f)["cases"]

METADATA_KEYS = ("name", "loss", "dtype", "options", "expected")


def tensors(case):
    """The case's tensors by wire name (grad_output included)."""
    return {key: value for key, value in case.items() if key not in METADATA_KEYS}


def gradient_names(case):
    """The gradients the case expects: grad, grad_NAME..."""
    return [key for key in case["expected"]["pytorch"] if key.startswith("grad")]


def job(case, compat):
    """The API job of a golden case, in the shape/data form the file uses."""
    body = tensors(case)
    body["options"] = dict(case.get("options", {}), compat=compat)
    return body


def expected(case, compat):
    return case["expected"].get(compat, case["expected"]["pytorch"])


def as_array(value, dtype):
    """A result value (number, non-finite string, nested list or shape/data object) as numpy."""
    if isinstance(value, dict):
        return np.array([to_float(v) for v in value["data"]], dtype=dtype).reshape(value["shape"])
    return np.array(to_float_nested(value), dtype=dtype)


def to_float(v):
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else float(v)


def to_float_nested(v):
    return [to_float_nested(x) for x in v] if isinstance(v, list) else to_float(v)


def assert_close(actual, wanted, dtype, what, loss=None):
    """Golden tolerances (as GoldenCase.swift): float64 1e-12 relative with a 1e-15 absolute floor for
    values that cancel to ~0; float32 1e-5 relative or 1e-6 absolute; linear_cross_entropy (BLAS's
    summation order) float64 1e-10 and float32 1e-4 relative.
    NaN must match NaN and infinities must match exactly."""
    a = np.asarray(actual, dtype=np.float64)
    w = np.asarray(wanted, dtype=np.float64)
    assert a.shape == w.shape, f"{what}: shape {a.shape} != {w.shape}"
    assert np.array_equal(np.isnan(a), np.isnan(w)), f"{what}: NaN positions differ\n{a}\n{w}"
    finite = np.isfinite(w)
    assert np.array_equal(a[~finite & ~np.isnan(w)], w[~finite & ~np.isnan(w)]), f"{what}: infinities differ"
    if loss == "linear_cross_entropy":
        rtol, atol = (1e-10, 1e-13) if dtype == "float64" else (1e-4, 1e-6)
    else:
        rtol, atol = (1e-12, 1e-15) if dtype == "float64" else (1e-5, 1e-6)
    assert np.allclose(a[finite], w[finite], rtol=rtol, atol=atol), f"{what}: {a} != {w}"


def check_result(result, case, compat):
    """Compares a JSON result document with the golden expectation."""
    want = expected(case, compat)
    dtype = case["dtype"]
    assert result["dtype"] == dtype
    assert_close(as_array(result["value"], np.float64), as_array(want["value"], np.float64), dtype, "value",
                 case["loss"])
    for name in gradient_names(case):
        assert_close(as_array(result[name], np.float64), as_array(want[name], np.float64), dtype, name, case["loss"])
