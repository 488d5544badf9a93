/// What the server reports about one written response, for metrics and access logs.
public struct ResponseEvent: Sendable {
    /// The request, or `nil` when the server answered a framing error (400, 408, 413, 414, 431)
    /// before a complete request existed.
    public var request: Request?
    /// The response status sent.
    public var status: Int
    /// Request bytes read from the wire for this request (head plus body, before inflation).
    public var bytesIn: Int
    /// Response bytes written to the wire (head plus body, after compression, before TLS).
    public var bytesOut: Int
    /// The response body size before compression.
    public var uncompressedBodyBytes: Int
    /// The response body size on the wire (equals `uncompressedBodyBytes` unless compressed).
    public var bodyBytesOut: Int
    /// `gzip` or `deflate` when the response body was compressed.
    public var contentEncoding: String?
    /// Time the handler took, or `nil` when no handler ran.
    public var handlerDuration: Duration?
    /// Time from the request's first byte to the last response byte handed to the kernel.
    public var totalDuration: Duration
    /// The peer address.
    public var remoteAddress: String
    /// The header fields of the response as sent (framing fields aside), e.g. its `X-Request-Id`.
    public var responseHeaders: HTTPHeaders

    /// An event; the server builds these.
    public init(
        request: Request?, status: Int, bytesIn: Int, bytesOut: Int, uncompressedBodyBytes: Int,
        bodyBytesOut: Int, contentEncoding: String?, handlerDuration: Duration?, totalDuration: Duration,
        remoteAddress: String, responseHeaders: HTTPHeaders = HTTPHeaders()
    ) {
        self.request = request
        self.status = status
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.uncompressedBodyBytes = uncompressedBodyBytes
        self.bodyBytesOut = bodyBytesOut
        self.contentEncoding = contentEncoding
        self.handlerDuration = handlerDuration
        self.totalDuration = totalDuration
        self.remoteAddress = remoteAddress
        self.responseHeaders = responseHeaders
    }
}
