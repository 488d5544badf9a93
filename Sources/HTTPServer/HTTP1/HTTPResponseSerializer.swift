/// Writes a response head. The server, not the handler, owns framing: any handler-set
/// `Content-Length`, `Transfer-Encoding`, `Connection` and `Date` are replaced by ours.
enum HTTPResponseSerializer {
    /// The framing decisions for one response.
    struct Framing {
        /// Bytes of content the response describes (the Content-Length value).
        var contentLength: Int
        /// Close the connection after this response (`Connection: close`).
        var close: Bool
        /// The request was HTTP/1.0 with keep-alive: say `Connection: keep-alive`.
        var keepAliveForHTTP10: Bool
        /// `Content-Encoding` applied by the server, if any (also adds `Vary`).
        var contentEncoding: String?
        /// Add `Vary: Accept-Encoding` (the response was eligible for compression).
        var varyAcceptEncoding: Bool
    }

    /// Serialises the head of `response` into `out`.
    static func writeHead(_ response: Response, framing: Framing, date: [UInt8], into out: inout [UInt8]) {
        let status = (100...599).contains(response.status) ? response.status : 500
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: HTTPStatus.reasonPhrase(status).utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date)
        out.append(contentsOf: "\r\n".utf8)
        var sawVary = false
        for field in response.headers {
            if isServerOwned(field.name) || !isSafe(field.name, field.value) { continue }
            if framing.varyAcceptEncoding, HTTPHeaders.namesEqual(field.name, "vary") {
                sawVary = true
                let hasIt = HTTPSyntax.lowercasedListElements(field.value).contains("accept-encoding")
                append(field.name, hasIt ? field.value : field.value + ", Accept-Encoding", to: &out)
                continue
            }
            append(field.name, field.value, to: &out)
        }
        if framing.varyAcceptEncoding, !sawVary { append("Vary", "Accept-Encoding", to: &out) }
        if let coding = framing.contentEncoding { append("Content-Encoding", coding, to: &out) }
        if status >= 200, status != 204 {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(framing.contentLength, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if framing.close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if framing.keepAliveForHTTP10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
    }

    /// Fields the server sets itself.
    private static func isServerOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: HTTPHeaders.namesEqual(name, "date")
        case 10: HTTPHeaders.namesEqual(name, "connection") || HTTPHeaders.namesEqual(name, "keep-alive")
        case 14: HTTPHeaders.namesEqual(name, "content-length")
        case 16: HTTPHeaders.namesEqual(name, "content-encoding")
        case 17: HTTPHeaders.namesEqual(name, "transfer-encoding")
        default: false
        }
    }

    /// A handler-provided field is written only if it cannot break the framing (no CR/LF/NUL,
    /// a token name): response splitting is refused rather than trusted.
    private static func isSafe(_ name: String, _ value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTPSyntax.isTokenChar) && value.utf8.allSatisfy(HTTPSyntax.isFieldValueChar)
    }

    private static func append(_ name: String, _ value: String, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: "\r\n".utf8)
    }

    /// Appends the decimal digits of a non-negative `value`.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits, no allocation
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while remaining > 0 {
                raw[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(raw[index]) }
        }
    }
}
