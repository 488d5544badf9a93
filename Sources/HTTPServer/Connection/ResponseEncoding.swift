/// Chooses and applies a response `Content-Encoding` from the request's `Accept-Encoding`, with
/// the Compression building blocks.
///
/// - The server's own responses (no request), statuses without content and empty bodies are
///   sent as they are, without `Vary`.
/// - Otherwise the response varies by `Accept-Encoding` (`Vary` is added) and the coding is
///   negotiated (RFC 9110 §12.5.3): bodies under `threshold` stay identity unless the client
///   forbids identity; larger ones are compressed with gzip or deflate at `level` when allowed.
///   A compressed body that is not smaller is sent as identity when identity is acceptable.
/// - When nothing lossd can produce is acceptable and identity is forbidden, a 2xx response
///   becomes 406; an error response is sent as identity, so that its explanation still arrives.
enum ResponseEncoding {
    /// A response ready for the wire, and what was done to it.
    struct Encoded {
        var response: Response
        /// The coding applied, if any.
        var contentEncoding: String?
        /// The response was eligible for compression, so it varies by `Accept-Encoding`.
        var vary: Bool
    }

    /// Encodes `response` for `request` (nil for the server's own error responses) under the
    /// server's compression settings; a 406 is answered with the server's `errorResponse` hook.
    static func encode(_ response: Response, request: Request?, server: Server.Configuration) -> Encoded {
        let configuration = server.compression
        guard configuration.enabled, let request, !HTTPStatus.forbidsBody(response.status), !response.body.isEmpty
        else { return Encoded(response: response, contentEncoding: nil, vary: false) }
        let fields = request.headers.values(for: "Accept-Encoding")
        let accepted = AcceptEncoding(fields.isEmpty ? nil : fields.joined(separator: ", "))
        let negotiation = accepted.negotiate(preferIdentity: response.body.count < configuration.threshold)
        guard let coding = negotiation.coding else {
            guard (200..<300).contains(response.status) else { return Encoded(response: response, contentEncoding: nil, vary: true) }
            let refusal = server.response(
                for: ServerRejection(
                    .notAcceptable, detail: "no acceptable content coding: this server offers gzip, deflate and identity",
                    request: request))
            return Encoded(response: refusal, contentEncoding: nil, vary: true)
        }
        guard let format = coding.format else { return Encoded(response: response, contentEncoding: nil, vary: true) }
        // The configured level is validated here rather than trusted: Deflater traps outside 0...9.
        let level = min(max(configuration.level, Deflater.levels.lowerBound), Deflater.levels.upperBound)
        let compressed = Deflater.compress(response.body, format: format, level: level, strategy: configuration.strategy)
        if compressed.count >= response.body.count, accepted.isAcceptable(.identity) {
            return Encoded(response: response, contentEncoding: nil, vary: true)
        }
        var encoded = response
        encoded.body = compressed
        return Encoded(response: encoded, contentEncoding: coding.token, vary: true)
    }
}
