/// A request the server answers itself, without calling the handler: a framing error, a limit,
/// a timeout, an unsupported coding, or shedding at the in-flight limit.
///
/// `Server.Configuration.errorResponse` turns a rejection into the response body and headers
/// (e.g. an RFC 9457 problem); the server always sets the framing (`Content-Length`,
/// `Connection: close` where the rejection closes) and the fields the rejection requires
/// (`Retry-After` on 503, `Accept-Encoding` on 415) itself.
public struct ServerRejection: Sendable {
    /// Why the server answers; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The kind's name, e.g. `headersTooLarge`.
        public let name: String
        /// The status the server answers with.
        public let status: Int

        private init(_ name: String, _ status: Int) {
            self.name = name
            self.status = status
        }

        /// 400: the request line, a header field, the framing or a compressed body is malformed.
        public static let malformedRequest = Kind("malformedRequest", 400)
        /// 406: the response cannot be sent in any content coding the request accepts.
        public static let notAcceptable = Kind("notAcceptable", 406)
        /// 408: the head or the body did not arrive within its timeout.
        public static let requestTimeout = Kind("requestTimeout", 408)
        /// 413: the body exceeds `maxBodyBytes`, or `maxDecompressedBodyBytes` once inflated.
        public static let bodyTooLarge = Kind("bodyTooLarge", 413)
        /// 414: the request line exceeds `maxRequestLineBytes`.
        public static let uriTooLong = Kind("uriTooLong", 414)
        /// 415: the body's `Content-Encoding` is not one the server inflates.
        public static let unsupportedContentEncoding = Kind("unsupportedContentEncoding", 415)
        /// 417: the request expects something other than `100-continue`.
        public static let expectationFailed = Kind("expectationFailed", 417)
        /// 431: the header section exceeds `maxHeaderBytes` or `maxHeaderCount`.
        public static let headersTooLarge = Kind("headersTooLarge", 431)
        /// 503: `maxInFlightRequests` was reached (the server adds `Retry-After`).
        public static let overloaded = Kind("overloaded", 503)
        /// 503: a connection beyond `maxConnections`, refused before any request is read (the
        /// response is rendered once, at start, without a request; the server adds `Retry-After`).
        public static let tooManyConnections = Kind("tooManyConnections", 503)
        /// 505: the HTTP version is not 1.0 or 1.1.
        public static let versionNotSupported = Kind("versionNotSupported", 505)

        public var description: String { name }

        /// The kind the server answers `status` with (400 for a status it does not produce;
        /// 503 is `overloaded`, whose answer is the same as `tooManyConnections`').
        public static func forStatus(_ status: Int) -> Kind {
            let kinds: [Kind] = [
                .notAcceptable, .requestTimeout, .bodyTooLarge, .uriTooLong, .unsupportedContentEncoding,
                .expectationFailed, .headersTooLarge, .overloaded, .versionNotSupported,
            ]
            return kinds.first { $0.status == status } ?? .malformedRequest
        }
    }

    /// Why the server answers.
    public var kind: Kind
    /// A short human-readable explanation of this occurrence.
    public var detail: String
    /// The request, when it was received whole (shedding, a body that would not inflate, 406);
    /// `nil` for errors found while reading it.
    public var request: Request?

    /// A rejection of `kind`, explained by `detail`.
    public init(_ kind: Kind, detail: String, request: Request? = nil) {
        self.kind = kind
        self.detail = detail
        self.request = request
    }

    /// The status the server answers with.
    public var status: Int { kind.status }

    /// The answer when no `errorResponse` hook is configured: `detail` as `text/plain`.
    public var plainTextResponse: Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: detail + "\n")
    }
}
