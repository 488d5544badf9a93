/// The head of a request while its lines arrive: request line parts, fields, and the framing
/// fields noted on the way so that `makeHead` can decide without a second pass.
struct PartialHead {
    private var method = ""
    private var target = ""
    private var version = HTTPVersion.http1_1
    private var headers = HTTPHeaders()
    private var contentLengths: [String] = []
    private var transferEncodings: [String] = []
    private var hosts: [String] = []
    private var connectionTokens: [String] = []
    private var expectations: [String] = []

    /// `request-line = method SP request-target SP HTTP-version` (RFC 9112 §3): single spaces,
    /// a token method, a visible-ASCII target in origin, absolute, authority (CONNECT only) or
    /// asterisk (OPTIONS only) form, and `HTTP/1.0` or `HTTP/1.1` (other `HTTP/d.d`: 505).
    mutating func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) -> HTTPParserError? {
        var index = 0
        while index < line.count, HTTPSyntax.isTokenChar(line[index]) { index += 1 }
        guard index > 0, index < line.count, line[index] == UInt8(ascii: " ") else {
            if index == 0 || (index < line.count && line[index] != UInt8(ascii: " ")) {
                return HTTPParserError(.invalidMethod, "invalid character in the method")
            }
            return HTTPParserError(.invalidRequestLine, "request line is not `method SP target SP version`")
        }
        method = String(decoding: UnsafeBufferPointer(rebasing: line[..<index]), as: UTF8.self)
        let targetStart = index + 1
        index = targetStart
        while index < line.count, HTTPSyntax.isTargetChar(line[index]) { index += 1 }
        guard index > targetStart, index < line.count, line[index] == UInt8(ascii: " ") else {
            if index < line.count, line[index] != UInt8(ascii: " ") || index == targetStart {
                return HTTPParserError(.invalidTarget, "invalid character in the request target")
            }
            return HTTPParserError(.invalidRequestLine, "request line is not `method SP target SP version`")
        }
        let targetBytes = UnsafeBufferPointer(rebasing: line[targetStart..<index])
        target = String(decoding: targetBytes, as: UTF8.self)
        if let error = validateTargetForm(targetBytes) { return error }
        let versionBytes = UnsafeBufferPointer(rebasing: line[(index + 1)...])
        guard versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
              let major = decimalDigit(versionBytes[5]), versionBytes[6] == UInt8(ascii: "."),
              let minor = decimalDigit(versionBytes[7])
        else {
            return HTTPParserError(.invalidRequestLine, "malformed HTTP version")
        }
        guard major == 1, minor <= 1 else {
            return HTTPParserError(.unsupportedVersion, "HTTP/\(major).\(minor) is not supported")
        }
        version = HTTPVersion(major: 1, minor: minor)
        return nil
    }

    private func validateTargetForm(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPParserError? {
        if bytes.first == UInt8(ascii: "/") { return nil }
        if bytes.count == 1, bytes[0] == UInt8(ascii: "*") {
            return method == "OPTIONS" ? nil : HTTPParserError(.invalidTarget, "asterisk-form is only for OPTIONS")
        }
        let lowered = bytes.prefix(8).map(asciiLowercased)
        if lowered.starts(with: "http://".utf8) || lowered.starts(with: "https://".utf8) { return nil }
        if method == "CONNECT" { return nil }
        return HTTPParserError(.invalidTarget, "request target must start with `/`")
    }

    private func decimalDigit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Records one validated field, noting the framing ones.
    mutating func add(_ field: (name: String, value: String)) {
        headers.add(name: field.name, value: field.value)
        switch field.name.utf8.count {
        case 4 where HTTPHeaders.namesEqual(field.name, "host"): hosts.append(field.value)
        case 6 where HTTPHeaders.namesEqual(field.name, "expect"): expectations.append(field.value)
        case 10 where HTTPHeaders.namesEqual(field.name, "connection"): connectionTokens.append(contentsOf: HTTPSyntax.lowercasedListElements(field.value))
        case 14 where HTTPHeaders.namesEqual(field.name, "content-length"): contentLengths.append(field.value)
        case 17 where HTTPHeaders.namesEqual(field.name, "transfer-encoding"): transferEncodings.append(contentsOf: HTTPSyntax.lowercasedListElements(field.value))
        default: break
        }
    }

    /// The error for the first of `names` that appears more than once, if any.
    private func repeatedSingleton(among names: [String]) -> HTTPParserError? {
        for name in names {
            var seen: String?
            for field in headers where HTTPHeaders.namesEqual(field.name, name) {
                if let first = seen {
                    return HTTPParserError(
                        .repeatedSingletonField, "more than one \(first) field (it must appear once, RFC 9110 §5.3)")
                }
                seen = field.name
            }
        }
        return nil
    }

    /// Applies RFC 9112 §3.2 (Host), §6.1–6.3 (framing), RFC 9110 §5.3 (fields that must appear
    /// once: `singletonFields`, lower-case names) and §10.1.1 (Expect).
    func makeHead(wireBytes: Int, maxBodyBytes: Int, singletonFields: [String] = []) -> Result<HTTPRequestHead, HTTPParserError> {
        if version == .http1_1 {
            if hosts.isEmpty { return .failure(HTTPParserError(.missingHost, "HTTP/1.1 request without Host")) }
        }
        if hosts.count > 1 { return .failure(HTTPParserError(.multipleHost, "more than one Host field")) }
        if let host = hosts.first, !host.utf8.allSatisfy(HTTPSyntax.isHostChar) {
            return .failure(HTTPParserError(.invalidHost, "invalid Host value"))
        }
        var framing = HTTPRequestHead.Framing.none
        if !transferEncodings.isEmpty || headers.contains(name: "transfer-encoding") {
            if !contentLengths.isEmpty {
                return .failure(HTTPParserError(.contentLengthWithTransferEncoding, "both Content-Length and Transfer-Encoding"))
            }
            if version == .http1_0 {
                return .failure(HTTPParserError(.transferEncodingInHTTP10, "Transfer-Encoding in an HTTP/1.0 request"))
            }
            guard transferEncodings == ["chunked"] else {
                return .failure(HTTPParserError(.unsupportedTransferCoding, "only `Transfer-Encoding: chunked` is supported"))
            }
            framing = .chunked
        } else if !contentLengths.isEmpty {
            guard contentLengths.count == 1 else {
                return .failure(HTTPParserError(.multipleContentLength, "more than one Content-Length"))
            }
            let digits = contentLengths[0].utf8
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let length = Int(contentLengths[0])
            else {
                return .failure(HTTPParserError(.invalidContentLength, "Content-Length is not a decimal number"))
            }
            if length > maxBodyBytes {
                return .failure(HTTPParserError(.bodyTooLarge, "body of \(length) bytes exceeds the limit of \(maxBodyBytes)"))
            }
            framing = length == 0 ? .none : .contentLength(length)
        }
        if let error = repeatedSingleton(among: singletonFields) { return .failure(error) }
        var expectsContinue = false
        for expectation in expectations {
            guard HTTPSyntax.lowercasedListElements(expectation) == ["100-continue"] else {
                return .failure(HTTPParserError(.unsupportedExpectation, "only `Expect: 100-continue` is supported"))
            }
            expectsContinue = version == .http1_1
        }
        let keepAlive = version == .http1_1
            ? !connectionTokens.contains("close")
            : connectionTokens.contains("keep-alive") && !connectionTokens.contains("close")
        return .success(HTTPRequestHead(
            method: method, target: target, version: version, headers: headers, framing: framing,
            keepAlive: keepAlive, expectsContinue: expectsContinue, wireBytes: wireBytes
        ))
    }
}
