/// A stable, machine-readable error code of the lossd API (shared/API.md "Errors"), with the
/// HTTP status and the short title that always go with it.
///
/// Clients switch on `rawValue`; it never changes meaning. New codes may be added, so this is a
/// struct with static members rather than a frozen enum.
public struct ProblemCode: Hashable, Sendable, CustomStringConvertible {
    /// The wire spelling, e.g. `"SHAPE_MISMATCH"`.
    public let rawValue: String
    /// The HTTP status every problem with this code is answered with.
    public let status: Int
    /// The RFC 9457 `title`: the same text for every occurrence of the code.
    public let title: String

    private init(_ rawValue: String, _ status: Int, _ title: String) {
        self.rawValue = rawValue
        self.status = status
        self.title = title
    }

    public var description: String { rawValue }

    /// The RFC 9457 `type` URI of the code, e.g. `urn:lossd:problem:shape-mismatch`.
    public var typeURI: String {
        "urn:lossd:problem:" + String(rawValue.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The body is not well-formed JSON (RFC 8259), or nests too deeply.
    public static let malformedJSON = ProblemCode("MALFORMED_JSON", 400, "Malformed JSON")
    /// The body is well-formed but is not a request of the expected shape (a member has the
    /// wrong JSON type, a required member is missing, a safetensors file is invalid, ...).
    public static let malformedRequest = ProblemCode("MALFORMED_REQUEST", 400, "Malformed request")
    /// The named loss (or Open Inference Protocol model) does not exist.
    public static let unknownLoss = ProblemCode("UNKNOWN_LOSS", 404, "Unknown loss")
    /// No route has this path.
    public static let notFound = ProblemCode("NOT_FOUND", 404, "Not found")
    /// The path exists but not for this method; the answer carries `Allow`.
    public static let methodNotAllowed = ProblemCode("METHOD_NOT_ALLOWED", 405, "Method not allowed")
    /// The request `Accept` header admits no representation lossd can produce.
    public static let notAcceptable = ProblemCode("NOT_ACCEPTABLE", 406, "Not acceptable")
    /// The request head or body did not arrive within the server's timeout.
    public static let requestTimeout = ProblemCode("REQUEST_TIMEOUT", 408, "Request timeout")
    /// The body (or its decompressed form) exceeds the configured limit.
    public static let bodyTooLarge = ProblemCode("BODY_TOO_LARGE", 413, "Body too large")
    /// The request line (method, target, version) exceeds the configured limit.
    public static let uriTooLong = ProblemCode("URI_TOO_LONG", 414, "URI too long")
    /// The body's `Content-Type` (or `Content-Encoding`) is not one lossd reads.
    public static let unsupportedMediaType = ProblemCode(
        "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported media type")
    /// The header section exceeds the configured limits.
    public static let headersTooLarge = ProblemCode("HEADERS_TOO_LARGE", 431, "Headers too large")
    /// The request's `Expect` asks for something other than `100-continue`.
    public static let expectationFailed = ProblemCode("EXPECTATION_FAILED", 417, "Expectation failed")
    /// The request line names an HTTP version other than 1.0 and 1.1.
    public static let httpVersionNotSupported = ProblemCode("HTTP_VERSION_NOT_SUPPORTED", 505, "HTTP version not supported")
    /// Tensor shapes do not fit together (input vs target, weight, grad_output, ...).
    public static let shapeMismatch = ProblemCode("SHAPE_MISMATCH", 422, "Shape mismatch")
    /// A class-index target lies outside `[0, C)` and is not the ignore index.
    public static let targetOutOfRange = ProblemCode("TARGET_OUT_OF_RANGE", 422, "Target out of range")
    /// A tensor is ragged, empty where it may not be, of the wrong element kind, or its data does
    /// not match its declared shape.
    public static let invalidTensor = ProblemCode("INVALID_TENSOR", 422, "Invalid tensor")
    /// An option is unknown for the loss, or its value is out of its domain.
    public static let invalidOption = ProblemCode("INVALID_OPTION", 422, "Invalid option")
    /// A bearer token is required and was missing or wrong.
    public static let unauthorized = ProblemCode("UNAUTHORIZED", 401, "Unauthorized")
    /// Too much work in flight; retry after `Retry-After` seconds.
    public static let overloaded = ProblemCode("OVERLOADED", 503, "Overloaded")
    /// The server is shutting down and no longer takes new work.
    public static let draining = ProblemCode("DRAINING", 503, "Draining")
    /// A bug in lossd. The body says nothing more; details go to the log.
    public static let internalError = ProblemCode("INTERNAL_ERROR", 500, "Internal server error")

    /// Every code, in the order of API.md (for documentation and tests).
    public static let all: [ProblemCode] = [
        .malformedJSON, .malformedRequest, .unknownLoss, .notFound, .methodNotAllowed, .notAcceptable,
        .requestTimeout, .bodyTooLarge, .uriTooLong, .unsupportedMediaType, .expectationFailed, .headersTooLarge,
        .httpVersionNotSupported, .shapeMismatch, .targetOutOfRange,
        .invalidTensor, .invalidOption, .unauthorized, .overloaded, .draining, .internalError,
    ]
}
