"""Losses computed by lossd as torch autograd functions.

``lossd.torch.cross_entropy(logits, target, weight=None, label_smoothing=0.1)`` and one function
per loss of lossd's catalogue, named as in ``torch.nn.functional``: the forward pass asks lossd
for the value and the gradient in one request, the backward pass scales the stored gradient by
the incoming one, so ``loss.backward()`` works in any training loop. The functions of the
catalogue shipped with this package (``catalogue.json``, written by ``tools/update_catalogue.py``
from ``GET /v1/losses``) exist at import; a loss the server gained since is found in the
server's live catalogue on first use. lossd's diagnostics warnings are raised as
:class:`lossd.LossdWarning` where the loss is called.

The client is :func:`set_client`'s, else ``lossd.Client($LOSSD_URL, $LOSSD_TOKEN)`` created on
first use; every function also takes ``client=``.
"""

from __future__ import annotations

import inspect
import json
import os
import warnings
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol, cast

import torch

from ._client import DEFAULT_URL, Client
from ._errors import LossdError
from ._wire import LossResult, WarningRecord

__all__ = ["loss", "set_client", "get_client", "LossFunction"]

_client: Client | None = None


def set_client(client: Client | None) -> None:
    """Makes ``client`` the one the loss functions use when not given ``client=``."""
    global _client
    _client = client


def get_client() -> Client:
    """The default client: :func:`set_client`'s, else one for ``$LOSSD_URL`` (default
    http://127.0.0.1:8080) with the bearer token ``$LOSSD_TOKEN``, if set."""
    global _client
    if _client is None:
        _client = Client(os.environ.get("LOSSD_URL", DEFAULT_URL), os.environ.get("LOSSD_TOKEN"))
    return _client


class LossFunction(Protocol):
    """A loss of the catalogue: tensors positionally (input, target, then weight where the loss
    takes one), further tensors and options as keywords."""

    def __call__(self, *tensors: Any, client: Client | None = None, **options: Any) -> torch.Tensor: ...


@dataclass
class _Call:
    """What a forward pass needs besides the tensors, and what it leaves for the caller."""

    client: Client
    name: str
    names: list[str]
    options: dict[str, Any]
    #: Whether autograd will want gradients; not under torch.no_grad() (an evaluation loop), or
    #: when no tensor requires one, and lossd then computes none.
    gradients: bool = True
    warnings: list[WarningRecord] = field(default_factory=list)


def _scaled(grad: torch.Tensor, grad_output: torch.Tensor, value_shape: torch.Size) -> torch.Tensor | None:
    """``grad`` (of the sum of the value's elements) times the incoming ``grad_output``, when
    each value element depends on its own slice of the input: a scalar value, an elementwise
    value, or a value that is the input without its class dimension 1. None otherwise."""
    if grad_output.dim() == 0 or grad_output.numel() == 1 and len(value_shape) == 0:
        return grad * grad_output.reshape(())
    if value_shape == grad.shape:
        return grad * grad_output
    if grad.dim() >= 2 and value_shape == grad.shape[:1] + grad.shape[2:]:
        return grad * grad_output.unsqueeze(1)
    return None


class _LossdFunction(torch.autograd.Function):
    """Forward: one lossd request for value and gradients; backward: the stored gradients
    scaled by grad_output (or, for a value whose structure is unknown, a second request with
    grad_output)."""

    @staticmethod
    def forward(ctx: Any, call: _Call, *tensors: torch.Tensor) -> torch.Tensor:
        arguments = dict(zip(call.names, tensors))
        wanted = {} if call.gradients else {"outputs": ["value", "diagnostics"]}
        result = call.client.loss(call.name, **arguments, **call.options, **wanted)
        call.warnings.extend(result.warnings)
        first = tensors[0]
        grads = {}
        for index, (name, tensor) in enumerate(arguments.items()):
            if not (call.gradients and ctx.needs_input_grad[index + 1]):
                continue
            grad = result.grads.get(name)
            if grad is None:
                raise LossdError(f"lossd's {call.name} returns no gradient for {name}, which requires "
                                 f"one: detach it, or compute this loss with torch")
            grads[index] = grad.to(dtype=tensor.dtype, device=tensor.device)
        value = result.value
        value = (torch.tensor(value) if isinstance(value, float) else value).to(dtype=first.dtype, device=first.device)
        ctx.grads = grads
        ctx.value_shape = value.shape
        ctx.call = call
        ctx.tensors = [t.detach() for t in tensors]
        return value

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        out: list[torch.Tensor | None] = [None] * (len(ctx.tensors) + 1)
        redo: LossResult | None = None
        for index, grad in ctx.grads.items():
            scaled = _scaled(grad, grad_output, ctx.value_shape)
            if scaled is None:
                if redo is None:
                    call: _Call = ctx.call
                    redo = call.client.loss(call.name, **dict(zip(call.names, ctx.tensors)),
                                            **call.options, grad_output=grad_output.detach(),
                                            outputs=["grad"])
                scaled = redo.grads[ctx.call.names[index]].to(dtype=grad.dtype, device=grad.device)
            out[index + 1] = scaled
        return tuple(out)


def loss(name: str, *tensors: Any, client: Client | None = None, _stacklevel: int = 2,
         **arguments: Any) -> torch.Tensor:
    """Loss ``name`` computed by lossd, differentiable with respect to every tensor lossd
    returns a gradient for. Positional tensors are input and target; keyword arguments that
    are tensors (``weight``, ``pos_weight``) join them, the others are lossd options (None
    means lossd's default). lossd's warnings are raised as LossdWarning here."""
    names = ["input", "target"][:len(tensors)]
    if len(tensors) > 2:
        raise TypeError(f"{name} takes input and target positionally; pass other tensors by name")
    named = dict(zip(names, tensors))
    options: dict[str, Any] = {}
    for key, value in arguments.items():
        if isinstance(value, torch.Tensor):
            named[key] = value
        elif value is not None:
            options[key] = value
    named = {key: t if isinstance(t, torch.Tensor) else torch.as_tensor(t) for key, t in named.items()}
    gradients = torch.is_grad_enabled() and any(t.requires_grad for t in named.values())
    call = _Call(client or get_client(), name, list(named), options, gradients)
    value = _LossdFunction.apply(call, *named.values())
    for record in call.warnings:
        warnings.warn(record.as_python_warning(), stacklevel=_stacklevel)
    return cast(torch.Tensor, value)


def _make(entry: dict[str, Any]) -> LossFunction:
    """The function of one catalogue entry: torch's signature for its tensors, the catalogue's
    options as keywords whose None default means lossd's default."""
    name = str(entry["name"])
    listed = entry.get("tensors") or ["input", "target"]
    tensors = [str(t if isinstance(t, str) else t.get("name")) for t in listed]
    for extra in ("weight", "pos_weight"):  # catalogues that list only input and target
        if entry.get(extra) and extra not in tensors:
            tensors.append(extra)
    option_names = [str(o["name"]) for o in entry.get("options", [])]

    def function(*args: Any, client: Client | None = None, **arguments: Any) -> torch.Tensor:
        named = dict(zip(tensors, args))
        if len(args) > len(tensors):
            raise TypeError(f"{name} takes at most {len(tensors)} tensors positionally ({', '.join(tensors)})")
        clash = set(named) & set(arguments)
        if clash:
            raise TypeError(f"{name} got {', '.join(sorted(clash))} both by position and by name")
        # Every tensor goes by its wire name (log_probs, input1, anchor, ...), as a torch tensor so
        # that loss() tells it from an option; the first one sent is the one lossd calls `grad`.
        for t in tensors:
            if t in arguments:
                named[t] = arguments.pop(t)
        ordered = {t: named[t] if isinstance(named[t], torch.Tensor) else torch.as_tensor(named[t])
                   for t in tensors if t in named and named[t] is not None}
        return loss(name, client=client, _stacklevel=3, **ordered, **arguments)

    parameters = [inspect.Parameter(t, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    default=inspect.Parameter.empty if i < 2 else None,
                                    annotation="torch.Tensor")
                  for i, t in enumerate(tensors)]
    parameters += [inspect.Parameter(o, inspect.Parameter.KEYWORD_ONLY, default=None) for o in option_names]
    parameters.append(inspect.Parameter("client", inspect.Parameter.KEYWORD_ONLY, default=None))
    function.__signature__ = inspect.Signature(parameters, return_annotation="torch.Tensor")  # type: ignore[attr-defined]
    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    lines = [f"{entry.get('description', name)}, computed by lossd (value and gradient in one request).",
             "", "Options (None: lossd's default):"]
    lines += [f"    {o['name']} (default {json.dumps(o.get('default'))}): {o.get('description', '')}"
              for o in entry.get("options", [])]
    function.__doc__ = "\n".join(lines)
    return function


def _shipped_catalogue() -> list[dict[str, Any]]:
    text = resources.files("lossd").joinpath("catalogue.json").read_text()
    return list(json.loads(text)["losses"])


_functions: dict[str, LossFunction] = {str(e["name"]): _make(e) for e in _shipped_catalogue()}
globals().update(_functions)
__all__ += sorted(_functions)


def __getattr__(name: str) -> LossFunction:
    """A loss the shipped catalogue lacks, from the default client's live catalogue."""
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        live = get_client().losses()
    except LossdError as error:
        raise AttributeError(f"lossd.torch has no loss {name!r} (the server's catalogue could not "
                             f"be read: {error})") from error
    for entry in live:
        if entry.get("name") == name:
            _functions[name] = function = _make(entry)
            globals()[name] = function
            return function
    raise AttributeError(f"lossd.torch has no loss {name!r}; the server has "
                         f"{', '.join(sorted(str(e.get('name')) for e in live))}")
