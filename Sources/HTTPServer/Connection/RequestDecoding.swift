/// Undoes a request's `Content-Encoding` before the handler sees the body.
///
/// Seam for the Compression building blocks: until they are integrated only `identity` is
/// accepted; anything else is answered 415 with `Accept-Encoding` by the connection.
enum RequestDecoding {
    /// The codings a request body may use, for the 415 response's `Accept-Encoding`.
    static let acceptedCodings = "identity"

    /// Whether a request with this `Content-Encoding` value can be decoded.
    static func isSupported(contentEncoding: String) -> Bool {
        HTTPSyntax.lowercasedListElements(contentEncoding).allSatisfy { $0 == "identity" }
    }

    /// The request with its body decoded, or the error response to send instead.
    static func decode(_ request: Request, maxDecompressedBytes: Int) -> Result<Request, Response> {
        .success(request)
    }
}

extension Response: Error {}
