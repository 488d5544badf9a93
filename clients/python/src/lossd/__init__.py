"""Python client of lossd, the loss-computation service.

``lossd.Client`` (and its asyncio twin ``lossd.AsyncClient``) sends numpy arrays, torch tensors
or nested lists and returns :class:`LossResult` (value, gradient, diagnostics, warnings); every
problem lossd answers becomes a :class:`LossdError` subclass named after its code.
``lossd.torch`` wraps each loss of the catalogue as a torch autograd function.
"""

from ._client import DEFAULT_URL, AsyncClient, Client
from ._errors import (BadRequest, BodyTooLarge, ConnectionFailed, Draining, ExpectationFailed,
                      HeadersTooLarge, HttpVersionNotSupported, InternalError, InvalidJob,
                      InvalidOption, InvalidTensor, LossdError, LossdWarning, MalformedJson,
                      MalformedRequest, MethodNotAllowed, NotAcceptable, NotFound, Overloaded,
                      Pointer, ProtocolError, RequestTimeout, ShapeMismatch, TargetOutOfRange,
                      Timeout, Unauthorized, Unavailable, UnknownLoss, UnsupportedMediaType,
                      UriTooLong, ERRORS_BY_CODE)
from ._wire import LossResult, WarningRecord

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL", "AsyncClient", "Client", "LossResult", "WarningRecord", "LossdWarning",
    "ERRORS_BY_CODE", "LossdError", "Pointer", "ConnectionFailed", "Timeout", "ProtocolError",
    "BadRequest", "MalformedJson", "MalformedRequest", "NotFound", "UnknownLoss", "InvalidJob",
    "ShapeMismatch", "TargetOutOfRange", "InvalidTensor", "InvalidOption", "Unauthorized",
    "Unavailable", "Overloaded", "Draining", "MethodNotAllowed", "NotAcceptable", "RequestTimeout",
    "BodyTooLarge", "UriTooLong", "UnsupportedMediaType", "ExpectationFailed", "HeadersTooLarge",
    "HttpVersionNotSupported", "InternalError",
]
