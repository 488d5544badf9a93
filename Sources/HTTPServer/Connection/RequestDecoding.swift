/// Undoes a request's `Content-Encoding` before the handler sees the body, with the Compression
/// building blocks: `gzip` and `deflate` (zlib) are inflated under the decompressed-size cap,
/// anything else is answered 415 with `Accept-Encoding` by the connection.
enum RequestDecoding {
    /// The codings a request body may use, for the 415 response's `Accept-Encoding`.
    static let acceptedCodings = ContentCoding.acceptedRequestCodings

    /// Whether a request with this `Content-Encoding` value can be decoded.
    static func isSupported(contentEncoding: String) -> Bool {
        ContentCoding(contentEncoding: contentEncoding) != nil
    }

    /// The request with its body decoded (and `Content-Encoding` removed), or the rejection to
    /// answer instead: 413 when the decoded body would exceed `maxDecompressedBytes` (decoding
    /// stops at the cap), 400 when the body is not valid data in its coding. An empty body has
    /// nothing to decode and passes as it is.
    static func decode(_ request: Request, maxDecompressedBytes: Int) -> Result<Request, ServerRejection> {
        let fields = request.headers.values(for: "Content-Encoding")
        guard !request.body.isEmpty,
            let coding = ContentCoding(contentEncoding: fields.isEmpty ? nil : fields.joined(separator: ", ")),
            let format = coding.format
        else { return .success(request) }
        do {
            var decoded = request
            decoded.body = try Inflater.decompress(request.body, format: format, limit: maxDecompressedBytes)
            decoded.headers.remove(name: "Content-Encoding")
            return .success(decoded)
        } catch {
            let kind: ServerRejection.Kind = error.code == .decompressedSizeExceeded ? .bodyTooLarge : .malformedRequest
            return .failure(ServerRejection(kind, detail: "\(coding.token) body: \(error)", request: request))
        }
    }
}

extension ServerRejection: Error {}
