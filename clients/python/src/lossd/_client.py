"""``lossd.Client`` and ``lossd.AsyncClient``: one kept-alive HTTP/1.1 connection (httpx) to a
lossd server, with the wire format chosen per job, gzip where it pays, problem+json turned into
exceptions and bounded retries. The two clients share everything but the I/O (``_Core``)."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Mapping, Sequence

import httpx
import numpy as np

from . import _wire
from ._errors import (ConnectionFailed, LossdError, ProtocolError, Timeout, Unavailable,
                      error_from_answer, error_from_problem)
from ._wire import LossResult, Wire

__all__ = ["Client", "AsyncClient", "DEFAULT_URL"]

DEFAULT_URL = "http://127.0.0.1:8080"
_VERSION = "0.1.0"
_PIECE = 1 << 20


@dataclass
class _Request:
    """One HTTP exchange to make, possibly several times."""

    method: str
    path: str
    content: bytes | None = None
    headers: dict[str, str] | None = None
    #: Whether sending it twice is harmless. Every lossd route is a pure computation, so all
    #: are; a connection error after the request may have been sent is retried only then.
    idempotent: bool = True


@dataclass
class _Answer:
    """A successful (2xx) answer, its body read into a bytearray (so arrays over it are writable)."""

    status: int
    content_type: str
    body: bytearray
    request_id: str | None
    server_timing: str | None
    bytes_received: int


@dataclass
class _PreparedJob:
    """A loss job made ready by ``_Core._prepare``: the request and how to read its answer."""

    request: _Request
    first: str
    torch_like: Any
    wire: str
    bytes_sent: int


class _BodyReader:
    """Collects an answer's body. Without a content coding the raw bytes are copied once into a
    buffer of the announced length; with one, httpx's decoded chunks are appended."""

    def __init__(self, headers: httpx.Headers) -> None:
        self.raw = "content-encoding" not in headers and "content-length" in headers
        self.buffer = bytearray(int(headers["content-length"])) if self.raw else bytearray()
        self.view = memoryview(self.buffer) if self.raw else None
        self.filled = 0

    def feed(self, chunk: bytes) -> None:
        """Adds the next chunk."""
        if self.view is not None:
            end = self.filled + len(chunk)
            if end > len(self.buffer):
                raise ProtocolError("the answer is longer than its Content-Length")
            self.view[self.filled:end] = chunk
            self.filled = end
        else:
            self.buffer += chunk

    def finish(self) -> bytearray:
        """The whole body."""
        if self.view is not None:
            self.view.release()
        if self.raw and self.filled != len(self.buffer):
            raise ProtocolError("the answer is shorter than its Content-Length")
        return self.buffer


def _retry_after(value: str | None) -> float | None:
    """Seconds of a Retry-After header (a number, or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            return max(0.0, float(moment.timestamp()) - time.time())
        except (TypeError, ValueError):
            return None


def _transport_error(error: httpx.HTTPError, url: str, request: _Request) -> ConnectionFailed | Timeout:
    """A LossdError for an httpx failure, with ``retryable`` set where repeating is safe."""
    if isinstance(error, httpx.ConnectTimeout):
        failure = ConnectionFailed(f"could not connect to lossd at {url} in time: {error}")
        failure.retryable = True
        return failure
    if isinstance(error, httpx.TimeoutException):
        return Timeout(f"lossd at {url} did not answer {request.method} {request.path} in time "
                       f"({type(error).__name__})")
    if isinstance(error, httpx.ConnectError):
        failure = ConnectionFailed(f"could not connect to lossd at {url}: {error}")
        failure.retryable = True
        return failure
    failure = ConnectionFailed(f"the connection to lossd at {url} failed during "
                               f"{request.method} {request.path}: {error!r}")
    failure.retryable = request.idempotent
    return failure


class _Attempts:
    """The attempts of one request: iterate for the wait before each, report each failure to
    :meth:`failed`, which raises once the budget is spent or the failure is not retryable."""

    def __init__(self, core: _Core, request: _Request) -> None:
        self.core = core
        self.request = request
        self.attempt = 0
        self.delay = 0.0

    def __iter__(self) -> Iterator[float]:
        while True:
            yield self.delay
            self.attempt += 1

    def failed(self, error: LossdError | httpx.HTTPError) -> None:
        """Raises ``error`` (as a LossdError) unless another attempt is allowed (whose wait it
        records)."""
        if isinstance(error, httpx.HTTPError):
            error = _transport_error(error, self.core.base_url, self.request)
        delay = self.core._retry_delay(self.attempt, error)
        if delay is None:
            if self.attempt:
                error.detail += f" (after {self.attempt + 1} attempts)"
                error.args = (error.detail,)
            raise error
        self.delay = delay


class _Core:
    """Settings, request building and answer reading shared by Client and AsyncClient."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        retries: int = 3,
        max_retry_wait: float = 10.0,
        wire: Wire = "auto",
        binary_threshold: int = 16384,
        gzip: bool | Literal["auto"] = "auto",
        compressed_answers: bool | Literal["auto"] = "auto",
        connections: int = 1,
    ) -> None:
        if wire not in ("auto", "json", "safetensors"):
            raise ValueError(f"wire must be auto, json or safetensors, not {wire!r}")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.wire: Wire = wire
        self.binary_threshold = binary_threshold
        self.gzip = gzip
        self.compressed_answers = compressed_answers
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, connect_timeout))
        self._headers = {"User-Agent": f"lossd-python/{_VERSION}"}
        if token is not None:
            self._headers["Authorization"] = f"Bearer {token}"
        self._http = self._open_http(
            timeout=self._timeout, http2=False, trust_env=False,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections))

    def _open_http(self, **settings: Any) -> Any:
        """The httpx client of these settings (the subclass's kind)."""
        raise NotImplementedError

    # MARK: retries

    def _retry_delay(self, attempt: int, error: LossdError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``, or None to raise it:
        503s after their Retry-After (capped at ``max_retry_wait``), connection failures that are
        safe to repeat after 0.1, 0.2, 0.4... s; at most ``retries`` times."""
        if attempt >= self.retries:
            return None
        backoff = min(0.1 * 2.0 ** attempt, self.max_retry_wait)
        if isinstance(error, Unavailable):
            return backoff if error.retry_after is None else min(error.retry_after, self.max_retry_wait)
        if isinstance(error, ConnectionFailed) and error.retryable:
            return backoff
        return None

    # MARK: exchanges

    def _http_request(self, request: _Request, pieces: bool = False) -> dict[str, Any]:
        """httpx's stream() arguments: method, url, content, headers. With ``pieces`` a body
        over 1 MiB goes as 1 MiB views with its Content-Length: httpcore's sync socket writer
        slices off what each send() took, which copies the rest of the body each time (over a
        minute for a 524 MB body, 6 s in pieces on the same loaded machine)."""
        headers = dict(self._headers)
        headers.update(request.headers or {})
        content: Any = request.content
        if pieces and content is not None and len(content) > _PIECE:
            view = memoryview(content)
            headers["Content-Length"] = str(len(content))
            content = [view[start:start + _PIECE] for start in range(0, len(content), _PIECE)]
        return {"method": request.method, "url": self.base_url + request.path, "content": content,
                "headers": headers}

    def _answer(self, response: httpx.Response, body: bytearray) -> _Answer:
        """The answer, or the exception its status and problem+json stand for."""
        request_id = response.headers.get("x-request-id")
        content_type = response.headers.get("content-type", "")
        if response.status_code >= 400:
            raise error_from_answer(response.status_code, content_type, body, request_id=request_id,
                                    retry_after=_retry_after(response.headers.get("retry-after")))
        return _Answer(response.status_code, content_type, body, request_id,
                       response.headers.get("server-timing"), response.num_bytes_downloaded)

    # MARK: jobs

    def _accept_encoding(self, wire: str) -> str:
        """``gzip`` for compressed answers: by default for JSON answers only, whose float text
        halves, while raw floats shrink by a few percent for much CPU on both ends."""
        wanted = self.compressed_answers
        return "gzip" if wanted is True or (wanted == "auto" and wire == "json") else "identity"

    def _prepare(self, name: str, input: Any, target: Any, arguments: dict[str, Any]) -> _PreparedJob:
        """Converts a ``loss()`` call into its request."""
        wire: Wire = arguments.pop("wire", self.wire)
        tensors, options, outputs, torch_like = _split(input, target, arguments)
        if not tensors:
            raise TypeError("a loss job needs at least one tensor (input, target, ...)")
        chosen = _wire.choose_wire(wire, tensors, self.binary_threshold)
        body = _wire.make_body(chosen, tensors, options, outputs)
        path = f"/v1/loss/{name}" + (f"?{body.query}" if body.query else "")
        request = self._post(path, body.content, body.content_type, chosen)
        return _PreparedJob(request, next(iter(tensors)), torch_like, chosen, len(request.content or b""))

    def _post(self, path: str, content: bytes, content_type: str, wire: str) -> _Request:
        """A POST of ``content``, gzipped where it pays, asking for an answer of the same type."""
        headers = {"Content-Type": content_type, "Accept": content_type,
                   "Accept-Encoding": self._accept_encoding(wire)}
        packed = _wire.gzip_if_it_pays(content, self.gzip, text=wire == "json")
        if packed is not None:
            content, headers["Content-Encoding"] = packed, "gzip"
        return _Request("POST", path, content, headers)

    def _loss_result(self, job: _PreparedJob, answer: _Answer) -> LossResult:
        """The result of a ``loss()`` call from its answer."""
        if answer.content_type.startswith(_wire.SAFETENSORS_TYPE):
            result = _wire.result_from_safetensors(answer.body, job.first)
        elif "json" in answer.content_type:
            result = _wire.result_from_json(_json(answer.body), job.first)
        else:
            raise ProtocolError(f"unexpected answer type {answer.content_type!r}", status=answer.status)
        result.request_id = answer.request_id
        result.server_timing = _wire.parse_server_timing(answer.server_timing)
        result.wire = job.wire
        result.bytes_sent = job.bytes_sent
        result.bytes_received = answer.bytes_received
        return _as_torch(result, job.torch_like)

    def _prepare_batch(self, jobs: Sequence[Mapping[str, Any]]) -> tuple[_Request, list[tuple[str, Any]]]:
        """The request of ``batch()`` and, per job, its first tensor's name and the torch tensor
        its results should follow."""
        documents, reading = [], []
        for index, job in enumerate(jobs):
            arguments = dict(job)
            name = arguments.pop("loss", None)
            if not isinstance(name, str):
                raise TypeError(f"job {index} has no loss name (its 'loss' member)")
            arguments.update(arguments.pop("options", None) or {})
            tensors, options, outputs, like = _split(None, None, arguments, prefix=f"jobs/{index}/")
            documents.append({"loss": name, **_wire.json_job(tensors, options, outputs)})
            reading.append((next(iter(tensors), "input"), like))
        content = _wire.dump_json({"jobs": documents})
        return self._post("/v1/batch", content, _wire.JSON_TYPE, "json"), reading

    def _batch_results(self, answer: _Answer, firsts: list[tuple[str, Any]]) -> list[LossResult | LossdError]:
        """Each job's result, or the LossdError of a job the server refused."""
        results = _json(answer.body).get("results", [])
        if len(results) != len(firsts):
            raise ProtocolError(f"{len(firsts)} jobs sent, {len(results)} results received")
        out: list[LossResult | LossdError] = []
        for entry, (first, like) in zip(results, firsts):
            if "error" in entry:
                out.append(error_from_problem(entry["error"], request_id=answer.request_id))
            else:
                result = _wire.result_from_json(entry, first)
                result.request_id = answer.request_id
                out.append(_as_torch(result, like))
        return out


def _json(body: bytes | bytearray) -> Any:
    """The JSON document of an answer body."""
    try:
        return json.loads(body)
    except ValueError as error:
        raise ProtocolError(f"the answer is not JSON: {error}") from error


def _split(input: Any, target: Any, arguments: dict[str, Any], prefix: str = ""
           ) -> tuple[dict[str, np.ndarray], dict[str, Any], list[str] | None, Any]:
    """Tensors (input, target, then every array-valued argument, and grad_output), options (the
    other arguments; None values dropped), outputs, and the first torch tensor seen."""
    outputs = arguments.pop("outputs", None)
    # Positional input and target only when given, so that a loss whose tensors have other names
    # (input1, anchor, log_probs) sends them in the order given: the first is lossd's `grad`.
    named: dict[str, Any] = {k: v for k, v in (("input", input), ("target", target)) if v is not None}
    options: dict[str, Any] = {}
    for key, value in arguments.items():
        if key == "grad_output" or _wire.is_torch(value) or isinstance(value, (np.ndarray, list, tuple)):
            named[key] = value
        elif value is not None:
            options[key] = value
    float_dtype = np.dtype(np.float64 if options.get("dtype") == "float64" else np.float32)
    tensors = {key: _wire.to_numpy(prefix + key, value, float_dtype)
               for key, value in named.items() if value is not None}
    like = next((v for v in named.values() if _wire.is_torch(v)), None)
    return tensors, options, None if outputs is None else list(outputs), like


def _as_torch(result: LossResult, like: Any) -> LossResult:
    """``result`` with its arrays as torch tensors on ``like``'s device (unchanged if None)."""
    if like is None:
        return result
    import torch

    def convert(a: Any) -> Any:
        return torch.from_numpy(a).to(like.device) if isinstance(a, np.ndarray) else a

    result.grads = {name: convert(a) for name, a in result.grads.items()}
    result.grad = convert(result.grad)
    result.value = convert(result.value)
    return result


class Client(_Core):
    """A lossd client over one kept-alive HTTP/1.1 connection.

    ``Client(base_url, token=None, timeout=60, retries=3)``; use it as a context manager or call
    :meth:`close`. ``wire`` picks the body format (``auto``: safetensors once the tensors reach
    ``binary_threshold`` bytes, JSON below), ``gzip`` compresses request bodies (``auto``: when
    it pays), ``compressed_answers`` asks for gzip answers (``auto``: for JSON answers). A 503
    OVERLOADED or DRAINING is retried after its Retry-After, and a failed connection after a
    short backoff, at most ``retries`` times, each wait at most ``max_retry_wait`` seconds.
    ``connections`` (default 1) bounds the kept-alive connections, for use from several
    threads at once.
    """

    _http: httpx.Client

    def _open_http(self, **settings: Any) -> httpx.Client:
        return httpx.Client(**settings)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection."""
        self._http.close()

    def _send(self, request: _Request) -> _Answer:
        attempts = _Attempts(self, request)
        for delay in attempts:
            if delay:
                time.sleep(delay)
            try:
                return self._exchange(request)
            except (httpx.HTTPError, LossdError) as error:
                attempts.failed(error)
        raise AssertionError("unreachable")

    def _exchange(self, request: _Request) -> _Answer:
        with self._http.stream(**self._http_request(request, pieces=True)) as response:
            reader = _BodyReader(response.headers)
            for chunk in response.iter_raw() if reader.raw else response.iter_bytes():
                reader.feed(chunk)
            return self._answer(response, reader.finish())

    def loss(self, name: str, input: Any = None, target: Any = None, /, **arguments: Any) -> LossResult:
        """Computes loss ``name`` (``cross_entropy``, ...) of ``input`` against ``target``.

        Tensors are numpy arrays, torch tensors, nested lists or numbers; array-valued keyword
        arguments are further tensors (``weight``, ``pos_weight``, ``grad_output``), the others
        are options (``reduction="sum"``, ``label_smoothing=0.1``). ``outputs=["value"]`` skips
        the gradient; ``wire=`` overrides the client's format for this call. Raises a LossdError
        subclass for every problem.
        """
        job = self._prepare(name, input, target, dict(arguments))
        return self._loss_result(job, self._send(job.request))

    def batch(self, jobs: Sequence[Mapping[str, Any]]) -> list[LossResult | LossdError]:
        """Computes several jobs in one JSON request: each a mapping with ``loss`` (the name),
        its tensors and its options (inline or under ``options``). Returns, in order, each
        job's result or the LossdError of a job lossd refused (the others still run)."""
        request, firsts = self._prepare_batch(jobs)
        return self._batch_results(self._send(request), firsts)

    def losses(self) -> list[dict[str, Any]]:
        """The server's catalogue (``GET /v1/losses``): each loss with its options and defaults."""
        return list(_json(self._send(_Request("GET", "/v1/losses")).body)["losses"])

    def health(self) -> dict[str, Any]:
        """``GET /healthz``: ``{"status": "ok"}`` while the server serves."""
        return dict(_json(self._send(_Request("GET", "/healthz")).body))


class AsyncClient(_Core):
    """The asyncio twin of :class:`Client` (same settings and methods, awaited). ``connections``
    (default 1) bounds the kept-alive connections, so that concurrent calls may overlap."""

    _http: httpx.AsyncClient

    def _open_http(self, **settings: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(**settings)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._http.aclose()

    async def _send(self, request: _Request) -> _Answer:
        attempts = _Attempts(self, request)
        for delay in attempts:
            if delay:
                await asyncio.sleep(delay)
            try:
                return await self._exchange(request)
            except (httpx.HTTPError, LossdError) as error:
                attempts.failed(error)
        raise AssertionError("unreachable")

    async def _exchange(self, request: _Request) -> _Answer:
        async with self._http.stream(**self._http_request(request)) as response:
            reader = _BodyReader(response.headers)
            async for chunk in response.aiter_raw() if reader.raw else response.aiter_bytes():
                reader.feed(chunk)
            return self._answer(response, reader.finish())

    async def loss(self, name: str, input: Any = None, target: Any = None, /, **arguments: Any) -> LossResult:
        """As :meth:`Client.loss`."""
        job = self._prepare(name, input, target, dict(arguments))
        return self._loss_result(job, await self._send(job.request))

    async def batch(self, jobs: Sequence[Mapping[str, Any]]) -> list[LossResult | LossdError]:
        """As :meth:`Client.batch`."""
        request, firsts = self._prepare_batch(jobs)
        return self._batch_results(await self._send(request), firsts)

    async def losses(self) -> list[dict[str, Any]]:
        """As :meth:`Client.losses`."""
        return list(_json((await self._send(_Request("GET", "/v1/losses"))).body)["losses"])

    async def health(self) -> dict[str, Any]:
        """As :meth:`Client.health`."""
        return dict(_json((await self._send(_Request("GET", "/healthz"))).body))
