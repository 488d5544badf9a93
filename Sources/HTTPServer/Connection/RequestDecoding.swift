/// Undoes a request's `Content-Encoding` before the handler sees the body, with the Compression
/// building blocks: `gzip` and `deflate` (zlib) are inflated under the decompressed-size cap,
/// anything else is answered 415 with `Accept-Encoding` by the connection.
enum RequestDecoding {
    /// The codings a request body may use, for the 415 response's `Accept-Encoding`.
    static let acceptedCodings = ContentCoding.acceptedRequestCodings

    /// The request's `Content-Encoding` as one list: several field lines are one list, joined
    /// with commas as RFC 9110 §5.3 says, so that `gzip` twice on two lines reads as `gzip, gzip`
    /// on one. `nil` without the field.
    static func contentEncoding(of headers: HTTPHeaders) -> String? {
        let fields = headers.values(for: "Content-Encoding")
        return fields.isEmpty ? nil : fields.joined(separator: ", ")
    }

    /// Whether a request with this `Content-Encoding` value can be decoded.
    static func isSupported(contentEncoding: String) -> Bool {
        ContentCoding(contentEncoding: contentEncoding) != nil
    }

    /// The request with its body decoded (and `Content-Encoding` removed), or the rejection to
    /// answer instead: 413 when the decoded body would exceed `maxDecompressedBytes` (decoding
    /// stops at the cap), 503 when `memory` cannot grow to hold it beside the wire body, 400 when
    /// the body is not valid data in its coding. An empty body has nothing to decode and passes
    /// as it is.
    static func decode(_ request: Request, maxDecompressedBytes: Int, memory: MemoryLease) -> Result<Request, ServerRejection> {
        guard !request.body.isEmpty,
            let coding = ContentCoding(contentEncoding: contentEncoding(of: request.headers)),
            let format = coding.format
        else { return .success(request) }
        do {
            var decoded = request
            let wireBytes = memory.bytes
            decoded.body = try Inflater.decompress(request.body, format: format, limit: maxDecompressedBytes) {
                memory.grow(to: wireBytes + $0)
            }
            decoded.headers.remove(name: "Content-Encoding")
            return .success(decoded)
        } catch {
            if error.code == .memoryBudgetExceeded {
                return .failure(ServerRejection(.overloaded, detail: MemoryBudget.refusal, request: request))
            }
            let kind: ServerRejection.Kind = error.code == .decompressedSizeExceeded ? .bodyTooLarge : .malformedRequest
            return .failure(ServerRejection(kind, detail: "\(coding.token) body: \(error)", request: request))
        }
    }
}

extension ServerRejection: Error {}
