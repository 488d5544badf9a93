"""Exceptions and warnings: every lossd problem (RFC 9457 problem+json) becomes an instance of the
class registered for its ``code``, all under :class:`LossdError`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Pointer:
    """One offending element: a JSON pointer into the job (``/target/3``) and what is wrong."""

    pointer: str
    detail: str


class LossdError(Exception):
    """Base of every error this client raises.

    ``status`` is the HTTP status (``None`` when the client itself found the problem or never
    got an answer), ``code`` lossd's stable problem code, ``detail`` the explanation, ``errors``
    the element pointers and ``problem`` the whole problem document as received.
    """

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        errors: list[Pointer] | None = None,
        problem: Mapping[str, Any] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code
        self.title = title
        self.errors = errors or []
        self.problem = dict(problem or {})
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status, self.code) if part is not None)
        text = f"{head}: {self.detail}" if head else self.detail
        if self.errors:
            text += " [" + "; ".join(f"{e.pointer}: {e.detail}" for e in self.errors) + "]"
        return text


class ConnectionFailed(LossdError, ConnectionError):
    """lossd could not be reached, or dropped the connection, within the retry budget."""

    #: Whether repeating the request is safe (it was never sent, or it is a pure computation).
    retryable = False


class Timeout(LossdError, TimeoutError):
    """No answer within the client's timeout (not retried: the server may still be working)."""


class ProtocolError(LossdError):
    """An answer this client does not understand (wrong content type, broken safetensors)."""


class BadRequest(LossdError, ValueError):
    """400: the request was not a job at all."""


class MalformedJson(BadRequest):
    """400 MALFORMED_JSON: the body is not RFC 8259 JSON or is nested too deeply."""


class MalformedRequest(BadRequest):
    """400 MALFORMED_REQUEST: well-formed, but not a job (unknown member, missing tensor...)."""


class NotFound(LossdError, LookupError):
    """404 NOT_FOUND: no such route."""


class UnknownLoss(NotFound):
    """404 UNKNOWN_LOSS: the server has no loss of that name (see ``Client.losses()``)."""


class InvalidJob(LossdError, ValueError):
    """422: the job is well-formed but cannot be computed; ``errors`` name the elements."""


class ShapeMismatch(InvalidJob):
    """422 SHAPE_MISMATCH: tensors whose shapes do not fit together."""


class TargetOutOfRange(InvalidJob):
    """422 TARGET_OUT_OF_RANGE: a class index outside [0, C) that is not ignore_index."""


class InvalidTensor(InvalidJob):
    """422 INVALID_TENSOR: ragged, not numbers, or an element type lossd does not take.

    The client raises it itself (``status`` None) for ragged lists and unsupported dtypes,
    without a round trip."""


class InvalidOption(InvalidJob):
    """422 INVALID_OPTION: an option the loss does not take, or a value out of its domain."""


class Unauthorized(LossdError, PermissionError):
    """401 UNAUTHORIZED: the server wants a bearer token (``Client(token=...)``), or another."""


class Unavailable(LossdError):
    """503: retried after ``Retry-After`` within the client's budget, raised once it is spent."""


class Overloaded(Unavailable):
    """503 OVERLOADED: too many requests in flight on the server."""


class Draining(Unavailable):
    """503 DRAINING: the server is shutting down."""


class MethodNotAllowed(LossdError):
    """405 METHOD_NOT_ALLOWED."""


class NotAcceptable(LossdError):
    """406 NOT_ACCEPTABLE: no answer format or content coding lossd offers was accepted."""


class RequestTimeout(LossdError):
    """408 REQUEST_TIMEOUT: the server did not receive the request in time."""


class BodyTooLarge(LossdError):
    """413 BODY_TOO_LARGE: the body, or its decompressed form, is over the server's limit."""


class UriTooLong(LossdError):
    """414 URI_TOO_LONG."""


class UnsupportedMediaType(LossdError):
    """415 UNSUPPORTED_MEDIA_TYPE."""


class ExpectationFailed(LossdError):
    """417 EXPECTATION_FAILED."""


class HeadersTooLarge(LossdError):
    """431 HEADERS_TOO_LARGE."""


class HttpVersionNotSupported(LossdError):
    """505 HTTP_VERSION_NOT_SUPPORTED."""


class InternalError(LossdError):
    """500 INTERNAL_ERROR: a bug in lossd."""


#: The exception class of each problem code; an unknown code becomes a plain LossdError.
ERRORS_BY_CODE: dict[str, type[LossdError]] = {
    "MALFORMED_JSON": MalformedJson,
    "MALFORMED_REQUEST": MalformedRequest,
    "UNKNOWN_LOSS": UnknownLoss,
    "NOT_FOUND": NotFound,
    "METHOD_NOT_ALLOWED": MethodNotAllowed,
    "NOT_ACCEPTABLE": NotAcceptable,
    "REQUEST_TIMEOUT": RequestTimeout,
    "BODY_TOO_LARGE": BodyTooLarge,
    "URI_TOO_LONG": UriTooLong,
    "UNSUPPORTED_MEDIA_TYPE": UnsupportedMediaType,
    "EXPECTATION_FAILED": ExpectationFailed,
    "HEADERS_TOO_LARGE": HeadersTooLarge,
    "HTTP_VERSION_NOT_SUPPORTED": HttpVersionNotSupported,
    "SHAPE_MISMATCH": ShapeMismatch,
    "TARGET_OUT_OF_RANGE": TargetOutOfRange,
    "INVALID_TENSOR": InvalidTensor,
    "INVALID_OPTION": InvalidOption,
    "UNAUTHORIZED": Unauthorized,
    "OVERLOADED": Overloaded,
    "DRAINING": Draining,
    "INTERNAL_ERROR": InternalError,
}

_STATUS_FALLBACK: dict[int, type[LossdError]] = {
    400: BadRequest, 404: NotFound, 422: InvalidJob, 401: Unauthorized, 503: Unavailable,
}


def error_from_problem(
    problem: Mapping[str, Any], *, status: int | None = None, request_id: str | None = None,
    retry_after: float | None = None,
) -> LossdError:
    """The exception for a problem document (a dict parsed from problem+json, or a batch entry's
    ``error``)."""
    code = problem.get("code")
    status = problem.get("status", status) if status is None else status
    cls = ERRORS_BY_CODE.get(str(code)) or _STATUS_FALLBACK.get(status or 0, LossdError)
    pointers = [Pointer(str(e.get("pointer", "")), str(e.get("detail", "")))
                for e in problem.get("errors") or [] if isinstance(e, Mapping)]
    detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
    return cls(str(detail), status=status, code=None if code is None else str(code),
               title=problem.get("title"), errors=pointers, problem=problem,
               request_id=request_id, retry_after=retry_after)


def error_from_answer(
    status: int, content_type: str, body: bytes | bytearray, *, request_id: str | None,
    retry_after: float | None,
) -> LossdError:
    """The exception for an HTTP error answer: its problem+json when it has one, else a
    LossdError carrying the status and the start of the body."""
    if "json" in content_type:
        try:
            problem = json.loads(body)
        except ValueError:
            problem = None
        if isinstance(problem, dict):
            return error_from_problem(problem, status=status, request_id=request_id,
                                      retry_after=retry_after)
    text = bytes(body[:200]).decode("utf-8", "replace")
    cls = _STATUS_FALLBACK.get(status, LossdError)
    return cls(f"HTTP {status}: {text}", status=status, request_id=request_id,
               retry_after=retry_after)


class LossdWarning(UserWarning):
    """A lossd diagnostics warning (``INPUT_LOOKS_LIKE_PROBABILITIES``, ...) raised as a
    Python warning by ``lossd.torch``; filter it with ``warnings.filterwarnings``."""

    def __init__(self, code: str, message: str, count: int = 0,
                 examples: tuple[int, ...] = ()) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.count = count
        self.examples = examples
