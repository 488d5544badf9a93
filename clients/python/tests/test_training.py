"""The proof by training: a small MLP learns digits identically through torch's cross entropy
and through lossd's (examples/train_digits.py), plain and with label smoothing and class
weights."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

import lossd  # noqa: E402
import lossd.torch  # noqa: E402
from conftest import LossdProcess  # noqa: E402


def load_example() -> Any:
    path = Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
    spec = importlib.util.spec_from_file_location("train_digits", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_digits"] = module
    spec.loader.exec_module(module)
    return module


example = load_example()


@pytest.fixture(autouse=True)
def default_client(server: LossdProcess) -> Iterator[None]:
    with lossd.Client(server.url) as client:
        lossd.torch.set_client(client)
        yield
        lossd.torch.set_client(None)


@pytest.mark.parametrize("run", list(example.RUNS))
def test_training_through_lossd_matches_torch(run: str) -> None:
    curve_gap, weight_gap, curve = example.compare(epochs=4, **example.RUNS[run])
    assert len(curve) == 4 * 29  # 1797 images in batches of 64
    assert curve[-1] < 0.5 * curve[0]  # the model learned
    assert curve_gap <= example.TOLERANCE
    assert weight_gap <= example.TOLERANCE
