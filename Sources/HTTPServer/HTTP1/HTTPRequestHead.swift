/// The parsed head of a request: request line, fields, and the framing decisions taken from them.
struct HTTPRequestHead: Sendable {
    /// How the body is delimited (RFC 9112 §6.3).
    enum Framing: Equatable, Sendable {
        /// No body (no Content-Length, no Transfer-Encoding, or Content-Length: 0).
        case none
        /// Exactly this many bytes follow the head.
        case contentLength(Int)
        /// Chunked transfer coding, ended by a zero-size chunk and an optional trailer section.
        case chunked
    }

    var method: String
    var target: String
    var version: HTTPVersion
    var headers: HTTPHeaders
    var framing: Framing
    /// The connection persists after this exchange (HTTP/1.1 without `close`, or HTTP/1.0 with
    /// `keep-alive`).
    var keepAlive: Bool
    /// `Expect: 100-continue` was sent on an HTTP/1.1 request.
    var expectsContinue: Bool
    /// Bytes of the head on the wire, including leading empty lines and the final CRLF.
    var wireBytes: Int
}
