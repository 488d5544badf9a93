/// A complete HTTP request as the handler sees it: framing already checked, body already
/// de-chunked and, when it arrived with `Content-Encoding: gzip` or `deflate`, inflated.
public struct Request: Sendable {
    /// The method token exactly as sent (case-sensitive, RFC 9110 §9.1), e.g. `GET`.
    public var method: String
    /// The request-target exactly as sent, e.g. `/v1/loss?x=1%202`.
    public var target: String
    /// The path part of the target, percent-decoded (`/v1/loss`). `%2F` decodes to `/`.
    public var path: String
    /// The query parameters in order, names and values percent-decoded and `+` read as a space
    /// (the `application/x-www-form-urlencoded` convention). A parameter without `=` has an
    /// empty value.
    public var query: [(name: String, value: String)]
    /// The protocol version of the request line.
    public var version: HTTPVersion
    /// The header fields in received order. Trailer fields of a chunked body are not merged in.
    public var headers: HTTPHeaders
    /// The body bytes (empty when there is none).
    public var body: [UInt8]
    /// The peer address, `"127.0.0.1:5342"` or `"[::1]:5342"`.
    public var remoteAddress: String

    /// A request; the server builds these, tests and routers may build their own.
    public init(
        method: String,
        target: String,
        path: String? = nil,
        query: [(name: String, value: String)]? = nil,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String = ""
    ) {
        self.method = method
        self.target = target
        let parsed = RequestTarget(target)
        self.path = path ?? parsed.path
        self.query = query ?? parsed.query
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of the query parameter `name`, or `nil`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
