/// A response produced by a handler.
///
/// The server owns the framing: it adds `Date`, `Content-Length` (and removes any
/// `Content-Length` or `Transfer-Encoding` the handler set), `Connection: close` when the
/// connection will close, and, when the response is compressed, `Content-Encoding` and
/// `Vary: Accept-Encoding`. Responses to HEAD and responses with status 1xx, 204 or 304 are sent
/// without a body.
public struct Response: Sendable {
    /// The status code, 100–599.
    public var status: Int
    /// The header fields to send, in order.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// A response with the given parts.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `text` as UTF-8, with the given `Content-Type`.
    public init(status: Int, contentType: String, body text: String, headers: HTTPHeaders = HTTPHeaders()) {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }
}
