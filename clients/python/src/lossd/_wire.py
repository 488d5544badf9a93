"""What travels on the wire, without any I/O: tensors in (numpy, torch, nested lists), JSON and
safetensors bodies out, answers back into results. Shared by the sync and async clients."""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence
from urllib.parse import urlencode

import numpy as np

from ._errors import InvalidTensor, LossdWarning, Pointer, ProtocolError

Wire = Literal["auto", "json", "safetensors"]
#: Option values lossd takes: strings, numbers and booleans.
OptionValue = str | int | float | bool

JSON_TYPE = "application/json"
SAFETENSORS_TYPE = "application/octet-stream"

#: numpy dtype -> (safetensors dtype, JSON dtype name), for every element type lossd reads.
_WIRE_DTYPES: dict[np.dtype[Any], tuple[str, str]] = {
    np.dtype(name): (st, name) for name, st in [
        ("float16", "F16"), ("float32", "F32"), ("float64", "F64"),
        ("int64", "I64"), ("int32", "I32"), ("uint8", "U8")]
}
_FROM_SAFETENSORS: dict[str, np.dtype[Any]] = {st: dtype for dtype, (st, _) in _WIRE_DTYPES.items()}
_SUPPORTED = "float16, bfloat16, float32 or float64 inputs, int64, int32 or uint8 targets"


@dataclass(frozen=True)
class WarningRecord:
    """One diagnostics warning of a result: its ``code``, ``message``, how many positions it
    concerns (``count``) and the first few of them (``examples``)."""

    code: str
    message: str
    count: int
    examples: tuple[int, ...]

    def as_python_warning(self) -> LossdWarning:
        """This warning as a :class:`LossdWarning` for ``warnings.warn``."""
        return LossdWarning(self.code, self.message, self.count, self.examples)


@dataclass
class LossResult:
    """The answer to one job.

    ``value`` is a float for reductions mean, sum and batchmean, else an array; ``grad`` is the
    gradient with respect to the first tensor (``input``), and ``grads`` holds every gradient the
    server sent by tensor name (``grads["input"]`` is ``grad``). Arrays are numpy, or torch
    tensors on the input's device when the input was a torch tensor. ``server_timing`` has the
    server's parse, compute and encode milliseconds; ``wire`` the body format used and
    ``bytes_sent``/``bytes_received`` the body sizes on the wire.
    """

    loss: str
    dtype: str
    value: Any
    grad: Any
    grads: dict[str, Any]
    diagnostics: dict[str, Any]
    warnings: list[WarningRecord]
    request_id: str | None = None
    server_timing: dict[str, float] = field(default_factory=dict)
    wire: str = "json"
    bytes_sent: int = 0
    bytes_received: int = 0


# MARK: tensors in


def is_torch(x: object) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _ragged(value: Any, pointer: str) -> tuple[int, ...]:
    """The shape of nested lists, raising InvalidTensor at the first element whose shape differs
    from its first sibling's (the pointer the server would name)."""
    if not isinstance(value, (list, tuple)):
        return ()
    shapes = [_ragged(child, f"{pointer}/{i}") for i, child in enumerate(value)]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != shapes[0]:
            detail = (f"ragged array: {pointer}/{i} has shape {list(shape)} but its first "
                      f"sibling has shape {list(shapes[0])}")
            raise InvalidTensor(detail, code="INVALID_TENSOR",
                                errors=[Pointer(f"{pointer}/{i}", detail)])
    return (len(value),) + (shapes[0] if shapes else ())


#: Tensors whose integers are indices or counts; lists of Python ints elsewhere are numbers.
INTEGRAL_TENSORS = frozenset({"target", "targets", "input_lengths", "target_lengths"})


def to_numpy(name: str, x: Any, float_dtype: np.dtype[Any] | None = None) -> np.ndarray:
    """``x`` (numpy array, torch tensor, nested lists or a number) as a C-contiguous numpy array
    of a dtype lossd takes; ``name`` is the tensor's (``input``), or its path in a batch
    (``jobs/2/input``).

    Lists and Python numbers carry no precision, so their floats become ``float_dtype``
    (float32, lossd's default, unless the job asks for float64), and so do their ints except
    in targets and lengths (:data:`INTEGRAL_TENSORS`), which stay int64. bfloat16 tensors travel as
    float32 (lossd widens half precision anyway); integer types lossd does not take are widened
    to int64. Raises InvalidTensor for ragged lists and for element types lossd cannot read.
    """
    from_python = False
    if is_torch(x):
        t = x.detach()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        array = np.asarray(t.cpu().contiguous().numpy())
    elif isinstance(x, np.ndarray):
        array = x
    else:
        from_python = not isinstance(x, np.generic)
        try:
            array = np.asarray(x)
        except ValueError:
            _ragged(x, f"/{name}")
            raise
        if array.dtype == object and isinstance(x, (list, tuple)):
            _ragged(x, f"/{name}")
    dtype = array.dtype.newbyteorder("=")
    if from_python and (dtype.kind == "f" or dtype.kind in "iu" and name.rsplit("/", 1)[-1] not in INTEGRAL_TENSORS):
        array = array.astype(float_dtype or np.float32)
    elif dtype in _WIRE_DTYPES:
        pass
    elif dtype.kind in "iu":
        if array.size and (array.min() < np.iinfo(np.int64).min or array.max() > np.iinfo(np.int64).max):
            raise _bad_dtype(name, f"{dtype} values outside int64")
        array = array.astype(np.int64)
    else:
        raise _bad_dtype(name, str(dtype))
    return _little_endian_c_order(array)


def _little_endian_c_order(a: np.ndarray) -> np.ndarray:
    """``a``, copied only if it is not C-contiguous little-endian (0-d arrays stay 0-d)."""
    a = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return a if a.flags.c_contiguous else a.copy(order="C")


def _bad_dtype(name: str, what: str) -> InvalidTensor:
    detail = f"{name} has element type {what}; lossd takes {_SUPPORTED}"
    return InvalidTensor(detail, code="INVALID_TENSOR", errors=[Pointer(f"/{name}", detail)])


# MARK: bodies out


@dataclass
class Body:
    """A request body ready to send: bytes, content type (also the answer type asked for) and
    the query string that carries a safetensors job's options."""

    content: bytes
    content_type: str
    query: str


def choose_wire(wire: Wire, tensors: Mapping[str, np.ndarray], threshold: int) -> str:
    """``json`` or ``safetensors``: as asked, or by total tensor bytes against ``threshold``."""
    if wire != "auto":
        return wire
    return "safetensors" if sum(a.nbytes for a in tensors.values()) >= threshold else "json"


class JsonTensor:
    """A tensor on its way into a JSON body as ``{"shape", "data", "dtype"}``. Its numbers are
    written by numpy with the shortest digits that round-trip in its own dtype (a float32 takes
    about half the characters of the float64 Python would write for it, and half the time);
    arrays with non-finite numbers go through Python's json, which writes NaN and Infinity."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def text(self) -> str:
        """The JSON text of the tensor."""
        a = self.array
        head = f'{{"shape":{json.dumps(list(a.shape))},"dtype":"{_WIRE_DTYPES[a.dtype][1]}","data":'
        flat = a.reshape(-1)
        if a.dtype.kind == "f" and not np.isfinite(flat).all():
            return head + json.dumps(flat.tolist()) + "}"
        return head + "[" + ",".join(flat.astype(str).tolist()) + "]}"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not an option value lossd takes")


def json_job(tensors: Mapping[str, np.ndarray], options: Mapping[str, Any],
             outputs: Sequence[str] | None) -> dict[str, Any]:
    """A job as the JSON object of ``POST /v1/loss/{name}`` (and, with ``loss``, of a batch)."""
    job: dict[str, Any] = {name: JsonTensor(a) for name, a in tensors.items()}
    if options:
        job["options"] = dict(options)
    if outputs is not None:
        job["outputs"] = list(outputs)
    return job


def dump_json(document: Any) -> bytes:
    """Compact JSON, with each JsonTensor's text in its place; non-finite floats as Python
    writes them (lossd reads ``NaN``, ``Infinity``)."""
    tensors: list[JsonTensor] = []

    def default(value: Any) -> Any:
        if isinstance(value, JsonTensor):
            tensors.append(value)
            return f"\x00lossd-tensor-{len(tensors) - 1}\x00"
        return _json_default(value)

    text = json.dumps(document, separators=(",", ":"), default=default)
    if tensors:
        pieces = text.split('"\\u0000lossd-tensor-')
        text = pieces[0] + "".join(
            tensors[int(piece[:piece.index("\\")])].text() + piece[piece.index('"') + 1:]
            for piece in pieces[1:])
    return text.encode()


def encode_safetensors(tensors: Mapping[str, np.ndarray],
                       metadata: Mapping[str, str] | None = None) -> bytes:
    """A safetensors file of ``tensors`` (8-byte header length, JSON header padded with spaces
    to 8 bytes, then the raw little-endian data), made with one copy of the data."""
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    parts: list[Any] = []
    offset = 0
    for name, a in tensors.items():
        a = _little_endian_c_order(a)
        header[name] = {"dtype": _WIRE_DTYPES[a.dtype.newbyteorder("=")][0], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        parts.append(memoryview(a.reshape(-1)).cast("B"))  # type: ignore[arg-type]
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(text)), text, *parts])


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, int, float)):
        return repr(value) if isinstance(value, float) and math.isfinite(value) else str(value)
    raise TypeError(f"option value {value!r} cannot travel in a query string")


def make_body(wire: str, tensors: Mapping[str, np.ndarray], options: Mapping[str, Any],
              outputs: Sequence[str] | None) -> Body:
    """The body of one job in the chosen wire format; safetensors carries options in the query."""
    if wire == "json":
        return Body(dump_json(json_job(tensors, options, outputs)), JSON_TYPE, "")
    query = {name: _query_value(value) for name, value in options.items()}
    if outputs is not None:
        query["outputs"] = ",".join(outputs)
    return Body(encode_safetensors(tensors), SAFETENSORS_TYPE, urlencode(query))


def gzip_if_it_pays(content: bytes, mode: bool | Literal["auto"], text: bool, minimum: int = 8192) -> bytes | None:
    """``content`` gzipped (level 1) when ``mode`` is True, or in ``auto`` mode when it is JSON
    text (``text``) of at least ``minimum`` bytes: float text shrinks to about half, while raw
    float32 data shrinks by a few percent for the CPU of compressing it on both ends. ``None``
    to send it as it is."""
    if mode is False or (mode == "auto" and (not text or len(content) < minimum)):
        return None
    coder = zlib.compressobj(1, zlib.DEFLATED, 31)
    return coder.compress(content) + coder.flush()


# MARK: answers back


def _array(value: Any, dtype: np.dtype[Any]) -> Any:
    """A result tensor from JSON: a float for a scalar (rounded to ``dtype``, so that JSON and
    safetensors answers give the same number), else an array of ``dtype``."""
    if isinstance(value, dict):
        return np.asarray(value["data"], dtype=np.dtype(value.get("dtype", dtype))).reshape(value["shape"])
    if isinstance(value, list):
        return np.asarray(value, dtype=dtype)
    return float(dtype.type(value))


def _warnings(diagnostics: Mapping[str, Any]) -> list[WarningRecord]:
    return [WarningRecord(str(w.get("code")), str(w.get("message", "")), int(w.get("count", 0)),
                     tuple(int(i) for i in w.get("examples", [])))
            for w in diagnostics.get("warnings", [])]


def _gradients(arrays: Mapping[str, Any], first: str) -> dict[str, Any]:
    """Every gradient by tensor name: ``grad`` is the first tensor's, ``grad_NAME`` NAME's."""
    grads = {name[len("grad_"):]: a for name, a in arrays.items() if name.startswith("grad_")}
    if "grad" in arrays:
        grads.setdefault(first, arrays["grad"])
    return grads


def result_from_json(document: Mapping[str, Any], first: str) -> LossResult:
    """A result from the JSON of ``POST /v1/loss/{name}`` or a batch entry."""
    dtype = np.dtype(document.get("dtype", "float32"))
    arrays = {k: _array(v, dtype) for k, v in document.items() if k == "grad" or k.startswith("grad_")}
    grads = _gradients(arrays, first)
    diagnostics = dict(document.get("diagnostics") or {})
    value = document.get("value")
    return LossResult(str(document.get("loss")), str(dtype), None if value is None else _array(value, dtype),
                      grads.get(first), grads, diagnostics, _warnings(diagnostics))


def decode_safetensors(body: bytes | bytearray) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and ``__metadata__`` of a safetensors file. The arrays are views of ``body``
    (writable when it is a bytearray): nothing is copied."""
    try:
        (length,) = struct.unpack_from("<Q", body, 0)
        header = json.loads(bytes(body[8:8 + length]))
        base = 8 + length
        metadata = header.pop("__metadata__", None) or {}
        tensors = {}
        for name, entry in header.items():
            dtype = _FROM_SAFETENSORS[entry["dtype"]].newbyteorder("<")
            start, end = entry["data_offsets"]
            count = (end - start) // dtype.itemsize
            tensors[name] = np.frombuffer(body, dtype=dtype, count=count, offset=base + start).reshape(entry["shape"])
    except (struct.error, ValueError, KeyError, TypeError) as error:
        raise ProtocolError(f"the answer is not a safetensors file lossd writes: {error}") from error
    return tensors, metadata


def result_from_safetensors(body: bytes | bytearray, first: str) -> LossResult:
    """A result from a safetensors answer (``value``, ``grad``, ``grad_NAME``, diagnostics in the
    metadata)."""
    tensors, metadata = decode_safetensors(body)
    diagnostics = json.loads(metadata["diagnostics"]) if "diagnostics" in metadata else {}
    grads = _gradients(tensors, first)
    value: Any = tensors.get("value")
    dtype = str((value if value is not None else grads.get(first, np.zeros(0, np.float32))).dtype)
    if value is not None and value.ndim == 0:
        value = float(value)
    return LossResult(metadata.get("loss", ""), dtype, value, grads.get(first), grads, diagnostics,
                      _warnings(diagnostics))


def parse_server_timing(header: str | None) -> dict[str, float]:
    """``parse;dur=0.1, compute;dur=2.0`` as ``{"parse": 0.1, "compute": 2.0}`` (milliseconds)."""
    timing: dict[str, float] = {}
    for metric in (header or "").split(","):
        name, _, params = metric.strip().partition(";")
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "dur" and name:
                try:
                    timing[name] = float(number)
                except ValueError:
                    pass
    return timing
