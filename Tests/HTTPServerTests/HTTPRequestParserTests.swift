import Testing

@testable import HTTPServer

/// Every test feeds its bytes whole, one byte at a time and in random cuts, and expects the
/// same outcome from each.
@Suite struct HTTPRequestParserTests {
    private func parseAllSplits(_ bytes: [UInt8], limits: HTTPRequestParser.Limits = .init()) -> ParseOutcome {
        let whole = parseStream(bytes, split: .whole, limits: limits)
        for split in [Split.bytewise, .random] {
            #expect(parseStream(bytes, split: split, limits: limits) == whole, "split \(split) differs from whole")
        }
        return whole
    }

    private func expectError(_ text: String, _ kind: HTTPParserError.Kind, status: Int = 400, raw: Bool = false) {
        let bytes = raw ? Array(text.utf8) : crlf(text)
        let outcome = parseAllSplits(bytes)
        #expect(outcome.error?.kind == kind, "for \(text.debugDescription)")
        #expect(outcome.error?.status == status)
    }

    @Test func simpleGet_IsParsed() {
        let outcome = parseAllSplits(crlf("GET /a/b?x=1 HTTP/1.1\nHost: example.com\nAccept: */*\n\n"))
        #expect(outcome.error == nil)
        #expect(outcome.requests == [ParsedRequest(
            method: "GET", target: "/a/b?x=1", version: .http1_1, headers: ["Host: example.com", "Accept: */*"],
            framing: .none, keepAlive: true, expectsContinue: false, body: []
        )])
    }

    @Test func pipelinedRequests_AreParsedInOrder() {
        let stream = crlf("GET /1 HTTP/1.1\nHost: h\n\nPOST /2 HTTP/1.1\nHost: h\nContent-Length: 5\n\nhelloGET /3 HTTP/1.1\nHost: h\n\n")
        let outcome = parseAllSplits(stream)
        #expect(outcome.requests.map(\.target) == ["/1", "/2", "/3"])
        #expect(outcome.requests[1].body == Array("hello".utf8))
        #expect(outcome.unconsumed == 0)
    }

    @Test func contentLengthBody_IsParsed() {
        let outcome = parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nContent-Length: 11\n\n") + Array("hello world".utf8))
        #expect(outcome.requests.first?.body == Array("hello world".utf8))
        #expect(outcome.requests.first?.framing == .contentLength(11))
    }

    /// `skipBody` (the connection reading a body straight into its buffer) leaves the parser
    /// where `parse` would have: at the message end, or at the chunk's CRLF.
    @Test func skipBody_MovesOnAsParsingTheBodyWould() {
        var parser = HTTPRequestParser()
        #expect(feed(&parser, crlf("POST / HTTP/1.1\nHost: h\nContent-Length: 10\n\n")) == .contentLength(10))
        #expect(parser.pendingBodyBytes == 10)
        parser.skipBody(4)
        #expect(parser.pendingBodyBytes == 6)
        parser.skipBody(6)
        #expect(parser.pendingBodyBytes == 0)
        #expect([UInt8]().withUnsafeBufferPointer { parser.parse($0) }.event == .end)
        #expect(parser.isAtMessageBoundary)

        var chunked = HTTPRequestParser()
        #expect(feed(&chunked, crlf("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n5\n")) == .chunked)
        #expect(chunked.pendingBodyBytes == 5)
        chunked.skipBody(5)
        let tail = crlf("\n0\n\n")
        let (used, after) = tail.withUnsafeBufferPointer { chunked.parse($0) }
        #expect(after == .end && used == tail.count)
    }

    /// Parses `bytes` to the end of what they hold; returns the framing of the head they carried.
    private func feed(_ parser: inout HTTPRequestParser, _ bytes: [UInt8]) -> HTTPRequestHead.Framing? {
        var offset = 0
        var framing: HTTPRequestHead.Framing?
        while offset < bytes.count {
            let (used, event) = Array(bytes[offset...]).withUnsafeBufferPointer { parser.parse($0) }
            if case .head(let head) = event { framing = head.framing }
            offset += used
            if used == 0 { break }
        }
        return framing
    }

    @Test func chunkedBody_WithExtensionsAndTrailers_IsParsed() {
        let text = "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n5;name=value\nhello\n6\n world\n0\nX-Checksum: 1\n\n"
        let outcome = parseAllSplits(crlf(text))
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.body == Array("hello world".utf8))
        #expect(outcome.requests.first?.framing == .chunked)
        #expect(outcome.requests.first?.headers.contains { $0.hasPrefix("X-Checksum") } == false, "trailers are not merged")
    }

    @Test func chunkedBody_UpperCaseHexAndCodingCase_IsParsed() {
        let body = String(repeating: "x", count: 26)
        let outcome = parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: Chunked\n\n1A\n\(body)\n0\n\n"))
        #expect(outcome.requests.first?.body.count == 26)
    }

    @Test func incompleteRequest_WaitsForMoreData() {
        let outcome = parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nContent-Length: 10\n\nhal"))
        #expect(outcome.requests.isEmpty)
        #expect(outcome.error == nil)
    }

    @Test func http10_DefaultsToClose_AndKeepAliveOptsIn() {
        let closing = parseAllSplits(crlf("GET / HTTP/1.0\n\n"))
        #expect(closing.requests.first?.keepAlive == false)
        #expect(closing.requests.first?.version == .http1_0)
        let keeping = parseAllSplits(crlf("GET / HTTP/1.0\nConnection: Keep-Alive\n\n"))
        #expect(keeping.requests.first?.keepAlive == true)
    }

    @Test func connectionClose_IsHonoured_CaseInsensitiveInAList() {
        let outcome = parseAllSplits(crlf("GET / HTTP/1.1\nHost: h\nconnection: TE, Close\n\n"))
        #expect(outcome.requests.first?.keepAlive == false)
    }

    @Test func expectContinue_IsReported() {
        let outcome = parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nExpect: 100-Continue\nContent-Length: 1\n\nx"))
        #expect(outcome.requests.first?.expectsContinue == true)
        expectError("POST / HTTP/1.1\nHost: h\nExpect: fancy\nContent-Length: 1\n\nx", .unsupportedExpectation, status: 417)
    }

    @Test func leadingEmptyLines_AreIgnored() {
        let outcome = parseAllSplits(crlf("\n\nGET / HTTP/1.1\nHost: h\n\n"))
        #expect(outcome.requests.count == 1)
    }

    @Test func fieldValues_AreTrimmed_AndObsTextKept() {
        let outcome = parseAllSplits(Array("GET / HTTP/1.1\r\nHost: h\r\nX-A: \t value \t\r\nX-B: caf\u{E9}\r\n\r\n".utf8))
        #expect(outcome.requests.first?.headers == ["Host: h", "X-A: value", "X-B: caf\u{E9}"])
    }

    @Test func absoluteAndAsteriskForms_AreAccepted() {
        #expect(parseAllSplits(crlf("GET http://h/x HTTP/1.1\nHost: h\n\n")).requests.count == 1)
        #expect(parseAllSplits(crlf("OPTIONS * HTTP/1.1\nHost: h\n\n")).requests.count == 1)
        expectError("GET * HTTP/1.1\nHost: h\n\n", .invalidTarget)
        expectError("GET x HTTP/1.1\nHost: h\n\n", .invalidTarget)
    }

    // MARK: Smuggling and malformed framing: 400

    @Test func contentLengthWithTransferEncoding_IsRefused() {
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: 3\nTransfer-Encoding: chunked\n\n0\n\n", .contentLengthWithTransferEncoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\nContent-Length: 3\n\n0\n\n", .contentLengthWithTransferEncoding)
    }

    @Test func duplicateOrMalformedContentLength_IsRefused() {
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: 3\nContent-Length: 3\n\nabc", .multipleContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: 3, 3\n\nabc", .invalidContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: +3\n\nabc", .invalidContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: -1\n\n", .invalidContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: 0x10\n\n", .invalidContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: \n\n", .invalidContentLength)
        expectError("POST / HTTP/1.1\nHost: h\nContent-Length: 99999999999999999999999\n\n", .invalidContentLength)
    }

    @Test func unknownOrStackedTransferCoding_IsRefused() {
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: gzip\n\n", .unsupportedTransferCoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: gzip, chunked\n\n", .unsupportedTransferCoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked, chunked\n\n", .unsupportedTransferCoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\nTransfer-Encoding: identity\n\n", .unsupportedTransferCoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: \n\n", .unsupportedTransferCoding)
        expectError("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: xchunked\n\n", .unsupportedTransferCoding)
    }

    @Test func transferEncodingOnHTTP10_IsRefused() {
        expectError("POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n0\n\n", .transferEncodingInHTTP10)
    }

    @Test func badChunkSizes_AreRefused() {
        let prefix = "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n"
        expectError(prefix + "g\nx\n0\n\n", .invalidChunkSize)
        expectError(prefix + "\n", .invalidChunkSize)
        expectError(prefix + "-1\n", .invalidChunkSize)
        expectError(prefix + "0x5\nhello\n0\n\n", .invalidChunkSize)
        expectError(prefix + "1 2\nx\n", .invalidChunkSize)
        expectError(prefix + "ffffffffffffffffff\n", .invalidChunkSize)
        expectError(prefix + "5\nhelloXX0\n\n", .missingChunkTerminator)
        expectError(prefix + "5;a=\u{1}\nhello\n0\n\n", .invalidChunkSize)
    }

    @Test func chunkLine_LongerThanLimit_IsRefused() {
        let prefix = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;"
        let outcome = parseAllSplits(Array((prefix + String(repeating: "a", count: 5000)).utf8))
        #expect(outcome.error?.kind == .chunkLineTooLong)
    }

    @Test func obsFold_IsRefused() {
        expectError("GET / HTTP/1.1\nHost: h\nX-A: a\n b\n\n", .obsoleteLineFolding)
        expectError("GET / HTTP/1.1\n Host: h\n\n", .obsoleteLineFolding)
    }

    @Test func bareCRorLF_IsRefused() {
        expectError("GET / HTTP/1.1\nHost: h\n\n", .bareLineFeed, raw: true)
        expectError("GET / HTTP/1.1\r\nHost: h\n\r\n", .bareLineFeed, raw: true)
        expectError("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", .bareCarriageReturn, raw: true)
        expectError("GET / HTTP/1.1\r\nHost: h\r\nX\rA: a\r\n\r\n", .bareCarriageReturn, raw: true)
        expectError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .bareLineFeed, raw: true)
    }

    @Test func hostRules_AreEnforced() {
        expectError("GET / HTTP/1.1\nAccept: */*\n\n", .missingHost)
        expectError("GET / HTTP/1.1\nHost: a\nHost: b\n\n", .multipleHost)
        expectError("GET / HTTP/1.1\nHost: a b\n\n", .invalidHost)
        expectError("GET / HTTP/1.1\nHost: a/b\n\n", .invalidHost)
        expectError("GET / HTTP/1.0\nHost: a\nHost: a\n\n", .multipleHost)
        #expect(parseAllSplits(crlf("GET / HTTP/1.0\n\n")).requests.count == 1, "HTTP/1.0 may omit Host")
        #expect(parseAllSplits(crlf("GET / HTTP/1.1\nHost: [::1]:8080\n\n")).requests.count == 1)
        #expect(parseAllSplits(crlf("GET / HTTP/1.1\nHost:\n\n")).requests.count == 1, "empty Host is valid (RFC 9112 §3.2)")
    }

    @Test func whitespaceBeforeColon_IsRefused() {
        expectError("GET / HTTP/1.1\nHost : h\n\n", .whitespaceBeforeColon)
        expectError("GET / HTTP/1.1\nHost: h\nContent-Length\t: 0\n\n", .whitespaceBeforeColon)
    }

    @Test func invalidCharacters_AreRefused() {
        expectError("G(T / HTTP/1.1\nHost: h\n\n", .invalidMethod)
        expectError(" GET / HTTP/1.1\nHost: h\n\n", .invalidMethod)
        expectError("GET /a\u{7F}b HTTP/1.1\nHost: h\n\n", .invalidTarget)
        expectError("GET /caf\u{E9} HTTP/1.1\nHost: h\n\n", .invalidTarget)
        expectError("GET /a\u{0}b HTTP/1.1\nHost: h\n\n", .invalidTarget)
        expectError("GET / HTTP/1.1\nHo\"st: h\n\n", .invalidFieldName)
        expectError("GET / HTTP/1.1\n: h\n\n", .invalidFieldName)
        expectError("GET / HTTP/1.1\nHost: h\nX-A: a\u{0}b\n\n", .invalidFieldValue)
        expectError("GET / HTTP/1.1\nHost: h\nX-A: a\u{7F}\n\n", .invalidFieldValue)
        expectError("GET / HTTP/1.1\nHost: h\nNoColon\n\n", .invalidFieldName)
    }

    @Test func malformedRequestLines_AreRefused() {
        expectError("GET  / HTTP/1.1\nHost: h\n\n", .invalidTarget)
        expectError("GET / HTTP/1.1 \nHost: h\n\n", .invalidRequestLine)
        expectError("GET /\nHost: h\n\n", .invalidRequestLine)
        expectError("GET / http/1.1\nHost: h\n\n", .invalidRequestLine)
        expectError("GET / HTTP/1.10\nHost: h\n\n", .invalidRequestLine)
        expectError("GET / HTTP/2.0\nHost: h\n\n", .unsupportedVersion, status: 505)
        expectError("GET / HTTP/0.9\nHost: h\n\n", .unsupportedVersion, status: 505)
    }

    @Test func trailers_AreValidated() {
        let prefix = "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n0\n"
        expectError(prefix + "Bad Name: x\n\n", .whitespaceBeforeColon)
        expectError(prefix + " folded\n\n", .obsoleteLineFolding)
    }

    @Test func singletonField_Repeated_Is400_OnlyForTheConfiguredNames() {
        var limits = HTTPRequestParser.Limits()
        limits.singletonFields = ["authorization"]
        let twice = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: a\r\nX: 1\r\nauthorization: b\r\n\r\n"
        let outcome = parseAllSplits(Array(twice.utf8), limits: limits)
        #expect(outcome.error?.kind == .repeatedSingletonField)
        #expect(outcome.error?.status == 400)
        let once = "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: a\r\nX: 1\r\nX: 2\r\n\r\n"
        #expect(parseAllSplits(Array(once.utf8), limits: limits).requests.count == 1, "other names may repeat")
        #expect(parseAllSplits(Array(twice.utf8)).requests.count == 1, "not refused unless configured")
    }

    // MARK: Limits

    @Test func requestLine_LongerThanLimit_Is414() {
        var limits = HTTPRequestParser.Limits()
        limits.maxRequestLineBytes = 64
        let long = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        let outcome = parseAllSplits(Array(long.utf8), limits: limits)
        #expect(outcome.error?.status == 414)
        let unterminated = parseAllSplits(Array(("GET /" + String(repeating: "a", count: 100)).utf8), limits: limits)
        #expect(unterminated.error?.status == 414, "refused before the line ends")
    }

    @Test func headerSection_LargerThanLimit_Is431() {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderBytes = 128
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 200) + "\r\n\r\n"
        #expect(parseAllSplits(Array(big.utf8), limits: limits).error?.kind == .headerSectionTooLarge)
        let exact = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        limits.maxHeaderBytes = exact.utf8.count
        #expect(parseAllSplits(Array(exact.utf8), limits: limits).requests.count == 1, "exactly at the limit is fine")
        limits.maxHeaderBytes = exact.utf8.count - 1
        #expect(parseAllSplits(Array(exact.utf8), limits: limits).error?.status == 431)
    }

    @Test func headerCount_AboveLimit_Is431() {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderCount = 3
        let three = "GET / HTTP/1.1\nHost: h\nA: 1\nB: 2\n\n"
        #expect(parseAllSplits(crlf(three), limits: limits).requests.count == 1)
        let four = "GET / HTTP/1.1\nHost: h\nA: 1\nB: 2\nC: 3\n\n"
        #expect(parseAllSplits(crlf(four), limits: limits).error?.kind == .tooManyHeaderFields)
    }

    @Test func body_LargerThanLimit_Is413_BeforeTheBodyArrives() {
        var limits = HTTPRequestParser.Limits()
        limits.maxBodyBytes = 10
        let declared = parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nContent-Length: 11\n\n"), limits: limits)
        #expect(declared.error?.status == 413)
        #expect(parseAllSplits(crlf("POST / HTTP/1.1\nHost: h\nContent-Length: 10\n\n0123456789"), limits: limits).requests.count == 1)
        let chunked = crlf("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n6\n012345\n5\n")
        #expect(parseAllSplits(chunked, limits: limits).error?.status == 413)
    }

    @Test func parserAfterError_RefusesEverything() {
        var parser = HTTPRequestParser()
        let bad = crlf("GET / HTTP/1.1\nHost : h\n\nGET / HTTP/1.1\nHost: h\n\n")
        let first = bad.withUnsafeBufferPointer { parser.parse($0) }
        #expect(first.event == .error(HTTPParserError(.whitespaceBeforeColon, "")) || { if case .error = first.event { true } else { false } }())
        let again = crlf("GET / HTTP/1.1\nHost: h\n\n").withUnsafeBufferPointer { parser.parse($0) }
        if case .error = again.event {} else { Issue.record("parser accepted bytes after an error: \(again.event)") }
    }
}
