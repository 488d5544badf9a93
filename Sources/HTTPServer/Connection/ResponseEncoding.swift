/// Chooses and applies a response `Content-Encoding` from the request's `Accept-Encoding`.
///
/// Seam for the Compression building blocks: until they are integrated every response is sent
/// with the identity coding.
enum ResponseEncoding {
    /// A response ready for the wire, and what was done to it.
    struct Encoded {
        var response: Response
        /// The coding applied, if any.
        var contentEncoding: String?
        /// The response was eligible for compression, so it varies by `Accept-Encoding`.
        var vary: Bool
    }

    /// Encodes `response` for `request` (nil for the server's own error responses).
    static func encode(_ response: Response, request: Request?, configuration: Server.Compression) -> Encoded {
        Encoded(response: response, contentEncoding: nil, vary: false)
    }
}
