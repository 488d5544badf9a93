"""lossd.torch against torch itself: every loss of the catalogue, forward and backward, the
reductions, upstream gradients, warnings, and the catalogue lookup."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import lossd  # noqa: E402
import lossd.torch as lt  # noqa: E402
from conftest import LossdProcess  # noqa: E402


@pytest.fixture(autouse=True)
def default_client(server: LossdProcess) -> Iterator[lossd.Client]:
    """lossd.torch's default client points at the session's lossd."""
    with lossd.Client(server.url) as client:
        lt.set_client(client)
        yield client
        lt.set_client(None)


def sigmoid_focal_loss(x: Any, t: Any, alpha: float = 0.25, gamma: float = 2.0, reduction: str = "mean") -> Any:
    """torchvision.ops.sigmoid_focal_loss, as torchvision writes it."""
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    loss = ce * (1 - (p * t + (1 - p) * (1 - t))) ** gamma
    if alpha >= 0:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def _cases() -> list[tuple[str, Callable[[], tuple[Any, ...]], Callable[..., Any], dict[str, Any]]]:
    g = torch.Generator().manual_seed(0)

    def logits() -> Any:
        return torch.randn(6, 4, generator=g)

    def labels() -> Any:
        return torch.randint(0, 4, (6,), generator=g)

    def probs() -> Any:
        return torch.rand(6, 4, generator=g)

    return [
        ("cross_entropy", lambda: (logits(), labels()), F.cross_entropy, {"label_smoothing": 0.2}),
        ("cross_entropy", lambda: (logits(), torch.softmax(logits(), 1)), F.cross_entropy, {}),
        ("cross_entropy", lambda: (torch.randn(3, 4, 5, generator=g), torch.randint(0, 4, (3, 5), generator=g)),
         F.cross_entropy, {"ignore_index": 2}),
        ("nll_loss", lambda: (torch.log_softmax(logits(), 1), labels()), F.nll_loss, {}),
        ("binary_cross_entropy", lambda: (probs().clamp(0.05, 0.95), probs().round()), F.binary_cross_entropy, {}),
        ("binary_cross_entropy_with_logits", lambda: (logits(), probs()), F.binary_cross_entropy_with_logits,
         {"pos_weight": torch.tensor([1.0, 2.0, 0.5, 3.0])}),
        ("kl_div", lambda: (torch.log_softmax(logits(), 1), torch.softmax(logits(), 1)), F.kl_div,
         {"reduction": "batchmean"}),
        ("mse_loss", lambda: (logits(), logits()), F.mse_loss, {}),
        ("l1_loss", lambda: (logits(), logits()), F.l1_loss, {"reduction": "sum"}),
        ("smooth_l1_loss", lambda: (logits(), logits()), F.smooth_l1_loss, {"beta": 0.5}),
        ("huber_loss", lambda: (logits(), logits()), F.huber_loss, {"delta": 0.7}),
        ("sigmoid_focal_loss", lambda: (logits(), probs().round()), sigmoid_focal_loss, {"alpha": 0.3}),
    ]


CASES = _cases()


@pytest.mark.parametrize("name, make, reference, options", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("reduction", [None, "none"])
@pytest.mark.filterwarnings("ignore:IGNORE_INDEX_IS_A_CLASS")  # the ignore_index=2 case, on purpose
def test_each_loss_matches_torch_forward_and_backward(
        name: str, make: Callable[[], tuple[Any, ...]], reference: Callable[..., Any], options: dict[str, Any],
        reduction: str | None) -> None:
    if reduction:
        options = {**options, "reduction": reduction}
    x, t = make()
    ours_x, theirs_x = x.clone().requires_grad_(), x.clone().requires_grad_()
    ours = getattr(lt, name)(ours_x, t, **options)
    theirs = reference(theirs_x, t, **options)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=1e-5)
    # A non-uniform upstream gradient checks the backward's scaling, elementwise or per row.
    upstream = torch.linspace(0.5, 2.0, theirs.numel()).reshape(theirs.shape)
    (ours * upstream).sum().backward()
    (theirs * upstream).sum().backward()
    torch.testing.assert_close(ours_x.grad, theirs_x.grad, atol=1e-6, rtol=1e-5)


def test_weights_and_float64() -> None:
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0, 1, 2, 1, 0])
    w = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
    ours = lt.cross_entropy(x, t, w, label_smoothing=0.1)
    assert ours.dtype == torch.float64
    ours.backward()
    grad = x.grad.clone()
    x.grad = None
    F.cross_entropy(x, t, w, label_smoothing=0.1).backward()
    torch.testing.assert_close(grad, x.grad, atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("second_request", [False, True])
def test_per_position_values_get_per_position_gradients(monkeypatch: pytest.MonkeyPatch, second_request: bool) -> None:
    # With reduction none over (N, C, d) the value is (N, d): the backward scales per position,
    # or, for a value whose structure it does not know, asks lossd again with grad_output.
    if second_request:
        monkeypatch.setattr(lt, "_scaled", lambda *args: None)
    x = torch.randn(2, 3, 4, requires_grad=True)
    t = torch.randint(0, 3, (2, 4))
    upstream = torch.rand(2, 4)
    (lt.cross_entropy(x, t, reduction="none") * upstream).sum().backward()
    ours = x.grad.clone()
    x.grad = None
    (F.cross_entropy(x, t, reduction="none") * upstream).sum().backward()
    torch.testing.assert_close(ours, x.grad)


def test_softmax_applied_twice_is_a_python_warning() -> None:
    probabilities = torch.softmax(torch.randn(4, 5), 1).requires_grad_()
    with pytest.warns(lossd.LossdWarning, match="INPUT_LOOKS_LIKE_PROBABILITIES") as caught:
        lt.cross_entropy(probabilities, torch.tensor([0, 1, 2, 3])).backward()
    record = next(w for w in caught if issubclass(w.category, lossd.LossdWarning))
    assert record.filename == __file__  # raised where the loss is called
    assert record.message.code == "INPUT_LOOKS_LIKE_PROBABILITIES"  # type: ignore[union-attr]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lt.cross_entropy(torch.randn(4, 5), torch.tensor([0, 1, 2, 3]))


def test_without_gradients_lossd_computes_none(monkeypatch: pytest.MonkeyPatch, default_client: lossd.Client) -> None:
    sent: list[dict[str, Any]] = []
    real = default_client.loss
    monkeypatch.setattr(default_client, "loss", lambda *a, **k: sent.append(k) or real(*a, **k))
    x, t = torch.randn(4, 3, requires_grad=True), torch.tensor([0, 1, 2, 1])
    with torch.no_grad():
        value = lt.cross_entropy(x, t)
    assert sent[-1]["outputs"] == ["value", "diagnostics"] and value.grad_fn is None
    torch.testing.assert_close(value, F.cross_entropy(x, t))
    lt.cross_entropy(x.detach(), t)
    assert sent[-1]["outputs"] == ["value", "diagnostics"]
    lt.cross_entropy(x, t).backward()
    assert "outputs" not in sent[-1]
    torch.testing.assert_close(x.grad, torch.autograd.grad(F.cross_entropy(x, t), x)[0])


def test_a_tensor_lossd_gives_no_gradient_for_is_refused() -> None:
    x = torch.randn(3, requires_grad=True)
    target = torch.randn(3, requires_grad=True)
    with pytest.raises(lossd.LossdError, match="no gradient for target"):
        lt.mse_loss(x, target)
    lt.mse_loss(x, target.detach()).backward()
    assert x.grad is not None


def test_errors_reach_the_training_loop() -> None:
    with pytest.raises(lossd.TargetOutOfRange):
        lt.cross_entropy(torch.randn(2, 3, requires_grad=True), torch.tensor([0, 5]))
    with pytest.raises(TypeError, match="both by position and by name"):
        lt.cross_entropy(torch.randn(2, 3), torch.tensor([0, 1]), torch.ones(3), weight=torch.ones(3))


def test_every_loss_of_the_live_catalogue_is_a_function(default_client: lossd.Client) -> None:
    live = {entry["name"]: entry for entry in default_client.losses()}
    shipped = {entry["name"]: entry for entry in lt._shipped_catalogue()}
    assert set(shipped) <= set(live)
    for name in live:
        function = getattr(lt, name)
        assert function.__name__ == name and "lossd" in (function.__doc__ or "")
    for name, entry in shipped.items():
        assert {o["name"] for o in entry["options"]} <= {o["name"] for o in live[name]["options"]}
    with pytest.raises(AttributeError, match="no loss 'cross_entropyy'"):
        getattr(lt, "cross_entropyy")


def test_a_loss_the_server_gained_is_found_in_its_live_catalogue(monkeypatch: pytest.MonkeyPatch,
                                                                  default_client: lossd.Client) -> None:
    entry = {"name": "mse_loss_v2", "description": "squared error again", "weight": False, "pos_weight": False,
             "tensors": [{"name": "input"}, {"name": "target"}], "options": [{"name": "reduction", "default": "mean"}]}
    monkeypatch.setattr(default_client, "losses", lambda: [entry])
    function = getattr(lt, "mse_loss_v2")
    assert "squared error again" in (function.__doc__ or "")
    assert list(inspect.signature(function).parameters)[:3] == ["input", "target", "reduction"]
    with pytest.raises(lossd.UnknownLoss):  # today's server does not have it
        function(torch.zeros(1), torch.zeros(1))
    monkeypatch.delitem(vars(lt), "mse_loss_v2")


@pytest.mark.parametrize("name,make,differentiable,options", [
    ("cosine_embedding_loss", lambda: (torch.randn(4, 3), torch.randn(4, 3), torch.tensor([1.0, -1.0, 1.0, -1.0])),
     (0, 1), {"margin": 0.1}),
    ("gaussian_nll_loss", lambda: (torch.randn(4, 3), torch.randn(4, 3), torch.rand(4, 3) + 0.5), (0, 2), {}),
    ("triplet_margin_loss", lambda: (torch.randn(4, 3), torch.randn(4, 3), torch.randn(4, 3)), (0, 1, 2), {"margin": 0.5}),
])
def test_losses_of_several_tensors_match_torch(default_client: lossd.Client, name: str, make: Any,
                                               differentiable: tuple[int, ...], options: dict[str, Any]) -> None:
    # Every tensor goes by its wire name (input1, var, anchor, ...) and gets its own gradient back.
    tensors = list(make())
    for i in differentiable:
        tensors[i].requires_grad_(True)
    ours = getattr(lt, name)(*tensors, **options)
    ours.backward()
    mine = [tensors[i].grad.clone() for i in differentiable]
    for i in differentiable:
        tensors[i].grad = None
    reference = getattr(torch.nn.functional, name)(*tensors, **options)
    reference.backward()
    assert torch.allclose(ours.detach(), reference.detach(), rtol=1e-5, atol=1e-6)
    for got, i in zip(mine, differentiable):
        assert torch.allclose(got, tensors[i].grad, rtol=1e-5, atol=1e-6), (name, i)
