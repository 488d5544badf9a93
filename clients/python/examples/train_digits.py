"""Trains a small MLP on scikit-learn's digits (shipped with the package: nothing is downloaded)
twice from the same seed, once with torch.nn.functional.cross_entropy and once with
lossd.torch.cross_entropy against a running lossd, and compares the loss curves and the final
weights; then again with label smoothing and class weights.

    python examples/train_digits.py [--url http://127.0.0.1:8080] [--epochs 4]

Exits 1 when a step's loss or a final weight differs by more than 1e-4.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import torch
from sklearn.datasets import load_digits

import lossd
import lossd.torch

TOLERANCE = 1e-4


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The 1797 8x8 digit images as float32 rows in [0, 1], and their labels."""
    data = load_digits()
    return torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target, dtype=torch.int64)


def train(loss_function: Callable[..., torch.Tensor], *, seed: int = 0, epochs: int = 4, batch_size: int = 64,
          weight: torch.Tensor | None = None, **options: Any) -> tuple[list[float], dict[str, torch.Tensor]]:
    """Trains a 64-32-10 MLP with SGD (momentum 0.9) and returns each step's loss and the final
    weights. Everything random comes from ``seed``, so two runs differ only by their loss."""
    torch.manual_seed(seed)
    x, y = digits()
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    order = torch.Generator().manual_seed(seed)
    curve = []
    for _ in range(epochs):
        permutation = torch.randperm(len(x), generator=order)
        for start in range(0, len(x), batch_size):
            batch = permutation[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(x[batch]), y[batch], weight, **options)
            loss.backward()
            optimizer.step()
            curve.append(loss.item())
    return curve, {name: p.detach().clone() for name, p in model.state_dict().items()}


def compare(epochs: int = 4, **options: Any) -> tuple[float, float, list[float]]:
    """Trains with torch's and lossd's cross entropy; returns the largest per-step loss
    difference, the largest final weight difference, and torch's loss curve."""
    torch_curve, torch_weights = train(torch.nn.functional.cross_entropy, epochs=epochs, **options)
    lossd_curve, lossd_weights = train(lossd.torch.cross_entropy, epochs=epochs, **options)
    if len(torch_curve) != len(lossd_curve):
        raise AssertionError("the two runs took different numbers of steps")
    curve_gap = max(abs(a - b) for a, b in zip(torch_curve, lossd_curve))
    weight_gap = max(float((torch_weights[k] - lossd_weights[k]).abs().max()) for k in torch_weights)
    return curve_gap, weight_gap, torch_curve


#: The two runs of the proof: plain, and with label smoothing and class weights.
RUNS: dict[str, dict[str, Any]] = {
    "plain": {},
    "label smoothing 0.1, class weights": {"label_smoothing": 0.1, "weight": torch.linspace(0.5, 1.5, 10)},
}


def main() -> int:
    """Runs both comparisons and prints the gaps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=lossd.DEFAULT_URL)
    parser.add_argument("--epochs", type=int, default=4)
    arguments = parser.parse_args()
    failed = False
    with lossd.Client(arguments.url) as client:
        lossd.torch.set_client(client)
        for title, options in RUNS.items():
            curve_gap, weight_gap, curve = compare(arguments.epochs, **options)
            ok = curve_gap <= TOLERANCE and weight_gap <= TOLERANCE
            failed |= not ok
            print(f"{title}: {len(curve)} steps, loss {curve[0]:.4f} -> {curve[-1]:.4f}; largest gap "
                  f"per step {curve_gap:.2e}, in final weights {weight_gap:.2e} ({'ok' if ok else 'FAILED'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
