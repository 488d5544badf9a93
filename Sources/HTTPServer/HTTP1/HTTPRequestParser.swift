/// An incremental, byte-level HTTP/1.1 request parser (RFC 9112), driven by limits.
///
/// The caller keeps unconsumed bytes and presents them again, followed by new ones, on the next
/// call: `parse(_:)` consumes complete lines of the head (it never needs the whole head at once)
/// and body bytes as they come, and returns at most one event per call. Bytes can be fed in any
/// split, one at a time included, with the same result; a partially received line is scanned
/// only once (`pendingScan`), so a client that drips bytes costs linear time.
///
/// Decisions taken (each cites the rule):
/// - Lines end in CRLF; a bare LF or a bare CR is refused (RFC 9112 §2.2 allows refusing).
/// - Empty lines before the request line are skipped (RFC 9112 §2.2 SHOULD), counted against
///   `maxHeaderBytes`.
/// - A line starting with SP/HTAB after the request line (obs-fold, or whitespace before the
///   first field) is refused with 400 (RFC 9112 §5.2, §2.2).
/// - Whitespace between a field name and its colon: 400 (RFC 9112 §5.1 MUST).
/// - Content-Length with Transfer-Encoding: 400 and close (RFC 9112 §6.1, §6.3(3)).
/// - Content-Length must be `1*DIGIT`, at most once (duplicates refused even when equal; RFC
///   9110 §8.6 allows that) and at most 18 digits.
/// - Transfer-Encoding must be exactly `chunked` on HTTP/1.1 (other codings are not implemented;
///   RFC 9112 §6.1 says 501 SHOULD, we answer 400 and close as for any framing we cannot trust);
///   on HTTP/1.0 it is refused (RFC 9112 §6.1: framing faulty).
/// - HTTP/1.1 needs exactly one valid Host (RFC 9112 §3.2); the fields of
///   `Limits.singletonFields` may appear at most once (RFC 9110 §5.3), else 400.
/// - Chunk sizes are `1*HEXDIG` up to 15 digits; chunk extensions are skipped but the chunk line
///   is limited to `maxChunkLineBytes`; chunk data must be followed by CRLF (RFC 9112 §7.1).
/// - Trailer fields are validated like header fields and then dropped: framing and routing fields
///   must never be merged from a trailer (RFC 9112 §7.1.2).
struct HTTPRequestParser {
    /// The limits enforced while parsing.
    struct Limits: Sendable {
        var maxRequestLineBytes = 8 * 1024
        var maxHeaderBytes = 64 * 1024
        var maxHeaderCount = 100
        var maxBodyBytes = 64 * 1024 * 1024
        var maxChunkLineBytes = 4 * 1024
        /// Lower-case names of the fields that must appear at most once (400 when repeated).
        var singletonFields: [String] = []
    }

    /// What one call of `parse(_:)` produced.
    enum Event: Equatable {
        /// More bytes are needed before anything else can be produced.
        case needMoreData
        /// The head is complete.
        case head(HTTPRequestHead)
        /// Body bytes at these offsets of the input given to this call (already consumed).
        case body(Range<Int>)
        /// The request is complete; the parser is ready for the next one.
        case end
        /// The request is malformed; the parser refuses every further byte.
        case error(HTTPParserError)

        static func == (lhs: Event, rhs: Event) -> Bool {
            switch (lhs, rhs) {
            case (.needMoreData, .needMoreData), (.end, .end): true
            case (.head(let a), .head(let b)): a.method == b.method && a.target == b.target && a.framing == b.framing
            case (.body(let a), .body(let b)): a == b
            case (.error(let a), .error(let b)): a == b
            default: false
            }
        }
    }

    private enum State {
        case requestLine
        case headerFields
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerFields
        case endOfMessage
        case failed(HTTPParserError)
    }

    let limits: Limits
    private var state = State.requestLine
    /// Offset, from the start of the unconsumed input, up to which the current partial line has
    /// been scanned without finding LF.
    private var pendingScan = 0
    /// Head or trailer bytes consumed so far in the current section.
    private var sectionBytes = 0
    /// Field count in the current section.
    private var fieldCount = 0
    /// Body bytes received so far (chunked).
    private var bodyBytes = 0
    private var head = PartialHead()

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// `true` between messages: nothing of a next request has been consumed yet.
    var isAtMessageBoundary: Bool {
        if case .requestLine = state { return sectionBytes == 0 && pendingScan == 0 }
        return false
    }

    /// Body bytes the parser expects next, verbatim (the rest of a Content-Length body or of
    /// a chunk's data); 0 anywhere else. A caller may read that many bytes from the socket
    /// straight into its own body buffer and report them with `skipBody(_:)` instead of
    /// passing them through `parse`.
    var pendingBodyBytes: Int {
        switch state {
        case .fixedBody(let remaining), .chunkData(let remaining): remaining
        default: 0
        }
    }

    /// Accounts for `count` (at most `pendingBodyBytes`) body bytes the caller took itself; the
    /// state moves on exactly as if `parse` had returned them as `.body`.
    mutating func skipBody(_ count: Int) {
        precondition(count >= 0 && count <= pendingBodyBytes, "skipBody beyond the pending body bytes")
        switch state {
        case .fixedBody(let remaining): state = remaining == count ? .endOfMessage : .fixedBody(remaining: remaining - count)
        case .chunkData(let remaining): state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
        default: break
        }
    }

    /// Consumes a prefix of `input` and reports what it completed.
    /// - Returns: how many bytes were consumed (the caller drops them) and the event.
    mutating func parse(_ input: UnsafeBufferPointer<UInt8>) -> (consumed: Int, event: Event) {
        var consumed = 0
        while true {
            switch state {
            case .failed(let error):
                return (consumed, .error(error))
            case .endOfMessage:
                reset()
                return (consumed, .end)
            case .fixedBody(let remaining):
                let available = min(remaining, input.count - consumed)
                if available == 0 { return (consumed, .needMoreData) }
                state = remaining == available ? .endOfMessage : .fixedBody(remaining: remaining - available)
                return (consumed + available, .body(consumed..<(consumed + available)))
            case .chunkData(let remaining):
                let available = min(remaining, input.count - consumed)
                if available == 0 { return (consumed, .needMoreData) }
                state = remaining == available ? .chunkDataEnd : .chunkData(remaining: remaining - available)
                return (consumed + available, .body(consumed..<(consumed + available)))
            case .chunkDataEnd:
                guard input.count - consumed >= 2 else {
                    if input.count > consumed, input[consumed] != UInt8(ascii: "\r") {
                        return (consumed, fail(.missingChunkTerminator, "chunk data not followed by CRLF"))
                    }
                    return (consumed, .needMoreData)
                }
                guard input[consumed] == UInt8(ascii: "\r"), input[consumed + 1] == UInt8(ascii: "\n") else {
                    return (consumed, fail(.missingChunkTerminator, "chunk data not followed by CRLF"))
                }
                consumed += 2
                state = .chunkSize
            case .requestLine, .headerFields, .chunkSize, .trailerFields:
                let lineStart = consumed
                guard let line = nextLine(input, from: lineStart) else {
                    if let error = checkPartialLine(length: input.count - lineStart) {
                        return (consumed, fail(error))
                    }
                    return (consumed, .needMoreData)
                }
                consumed = line.next
                // The limit checks of a partial line run first on the complete line too, so the
                // outcome never depends on where the reads were cut.
                if let error = checkPartialLine(length: line.next - 1 - lineStart) { return (consumed, fail(error)) }
                if let error = line.error { return (consumed, fail(error)) }
                let content = UnsafeBufferPointer(rebasing: input[lineStart..<line.contentEnd])
                if let event = processLine(content, wireBytes: line.next - lineStart) {
                    return (consumed, event)
                }
            }
        }
    }

    // MARK: Lines

    /// Finds the LF ending the line that starts at `start`, resuming a previous scan.
    /// - Returns: `nil` when no LF is there yet; otherwise where the content ends (before CR),
    ///   where the next line starts, and a bare-LF or bare-CR error.
    private mutating func nextLine(
        _ input: UnsafeBufferPointer<UInt8>, from start: Int
    ) -> (contentEnd: Int, next: Int, error: HTTPParserError?)? {
        var index = start + pendingScan
        while index < input.count, input[index] != UInt8(ascii: "\n") { index += 1 }
        guard index < input.count else {
            pendingScan = input.count - start
            return nil
        }
        pendingScan = 0
        guard index > start, input[index - 1] == UInt8(ascii: "\r") else {
            return (index, index + 1, HTTPParserError(.bareLineFeed, "line ended by LF without CR"))
        }
        return (index - 1, index + 1, nil)
    }

    /// The limit error, if any, for a line still missing its LF after `length` bytes.
    private func checkPartialLine(length: Int) -> HTTPParserError? {
        switch state {
        case .requestLine:
            // `length` may include the CR of a CRLF whose LF is still to come; a complete line is
            // measured without it, so allow one byte here to decide alike for every split.
            if length > limits.maxRequestLineBytes + 1 {
                return HTTPParserError(.requestLineTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
            }
            return sectionBytes + length > limits.maxHeaderBytes ? headerTooLarge() : nil
        case .headerFields, .trailerFields:
            return sectionBytes + length > limits.maxHeaderBytes ? headerTooLarge() : nil
        case .chunkSize:
            return length > limits.maxChunkLineBytes
                ? HTTPParserError(.chunkLineTooLong, "chunk-size line longer than \(limits.maxChunkLineBytes) bytes") : nil
        default:
            return nil
        }
    }

    private func headerTooLarge() -> HTTPParserError {
        HTTPParserError(.headerSectionTooLarge, "header section larger than \(limits.maxHeaderBytes) bytes")
    }

    /// Handles one complete line (CRLF removed) in the current state.
    private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, wireBytes: Int) -> Event? {
        switch state {
        case .requestLine:
            sectionBytes += wireBytes
            if line.count > limits.maxRequestLineBytes {
                return fail(.requestLineTooLong, "request line longer than \(limits.maxRequestLineBytes) bytes")
            }
            if sectionBytes > limits.maxHeaderBytes { return fail(headerTooLarge()) }
            if line.isEmpty { return nil }  // RFC 9112 §2.2: ignore empty lines before the request line.
            if let error = head.parseRequestLine(line) { return fail(error) }
            state = .headerFields
            return nil
        case .headerFields:
            sectionBytes += wireBytes
            if sectionBytes > limits.maxHeaderBytes { return fail(headerTooLarge()) }
            if line.isEmpty { return finishHead() }
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount {
                return fail(.tooManyHeaderFields, "more than \(limits.maxHeaderCount) header fields")
            }
            guard let field = Self.parseField(line) else { return fail(Self.fieldError(line)) }
            head.add(field)
            return nil
        case .chunkSize:
            if wireBytes > limits.maxChunkLineBytes {
                return fail(.chunkLineTooLong, "chunk-size line longer than \(limits.maxChunkLineBytes) bytes")
            }
            return processChunkSizeLine(line)
        case .trailerFields:
            sectionBytes += wireBytes
            if sectionBytes > limits.maxHeaderBytes { return fail(headerTooLarge()) }
            if line.isEmpty {
                state = .endOfMessage
                return nil
            }
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount {
                return fail(.tooManyHeaderFields, "more than \(limits.maxHeaderCount) trailer fields")
            }
            guard Self.parseField(line) != nil else { return fail(Self.fieldError(line)) }
            return nil  // Validated, then dropped (RFC 9112 §7.1.2).
        default:
            preconditionFailure("processLine called in a body state")
        }
    }

    /// `field-line = field-name ":" OWS field-value OWS` (RFC 9112 §5). `nil` when invalid.
    static func parseField(_ line: UnsafeBufferPointer<UInt8>) -> (name: String, value: String)? {
        var colon = 0
        while colon < line.count, HTTPSyntax.isTokenChar(line[colon]) { colon += 1 }
        guard colon > 0, colon < line.count, line[colon] == UInt8(ascii: ":") else { return nil }
        var start = colon + 1
        var end = line.count
        while start < end, HTTPSyntax.isWhitespace(line[start]) { start += 1 }
        while end > start, HTTPSyntax.isWhitespace(line[end - 1]) { end -= 1 }
        for index in start..<end where !HTTPSyntax.isFieldValueChar(line[index]) { return nil }
        return (
            String(decoding: UnsafeBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        )
    }

    /// The precise reason `parseField` refused `line`.
    private static func fieldError(_ line: UnsafeBufferPointer<UInt8>) -> HTTPParserError {
        if let first = line.first, HTTPSyntax.isWhitespace(first) {
            return HTTPParserError(.obsoleteLineFolding, "header line starts with whitespace (obs-fold)")
        }
        var index = 0
        while index < line.count, HTTPSyntax.isTokenChar(line[index]) { index += 1 }
        if index < line.count, HTTPSyntax.isWhitespace(line[index]) {
            return HTTPParserError(.whitespaceBeforeColon, "whitespace between field name and colon")
        }
        if index == line.count || line[index] != UInt8(ascii: ":") || index == 0 {
            if line.contains(UInt8(ascii: "\r")) {
                return HTTPParserError(.bareCarriageReturn, "bare CR in header section")
            }
            return HTTPParserError(.invalidFieldName, "invalid header field name")
        }
        if line.contains(UInt8(ascii: "\r")) {
            return HTTPParserError(.bareCarriageReturn, "bare CR in a header value")
        }
        return HTTPParserError(.invalidFieldValue, "invalid character in a header value")
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1).
    private mutating func processChunkSizeLine(_ line: UnsafeBufferPointer<UInt8>) -> Event? {
        var size = 0
        var digits = 0
        while digits < line.count, let value = hexValue(line[digits]) {
            digits += 1
            if digits > 15 { return fail(.invalidChunkSize, "chunk size has more than 15 hex digits") }
            size = size << 4 | Int(value)
        }
        guard digits > 0 else { return fail(.invalidChunkSize, "chunk size is not hexadecimal") }
        var rest = digits
        while rest < line.count, HTTPSyntax.isWhitespace(line[rest]) { rest += 1 }
        if rest < line.count {
            // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): skipped, but only
            // printable bytes are allowed in it.
            guard line[rest] == UInt8(ascii: ";") else { return fail(.invalidChunkSize, "invalid chunk size") }
            for index in rest..<line.count where !HTTPSyntax.isFieldValueChar(line[index]) {
                return fail(.invalidChunkSize, "invalid character in a chunk extension")
            }
        }
        if size == 0 {
            state = .trailerFields
            sectionBytes = 0
            fieldCount = 0
            return nil
        }
        if size > limits.maxBodyBytes - bodyBytes {
            return fail(.bodyTooLarge, "chunked body larger than \(limits.maxBodyBytes) bytes")
        }
        bodyBytes += size
        state = .chunkData(remaining: size)
        return nil
    }

    // MARK: Head

    /// Validates the framing fields and emits the head.
    private mutating func finishHead() -> Event {
        switch head.makeHead(wireBytes: sectionBytes, maxBodyBytes: limits.maxBodyBytes, singletonFields: limits.singletonFields) {
        case .failure(let error):
            return fail(error)
        case .success(let complete):
            switch complete.framing {
            case .none: state = .endOfMessage
            case .contentLength(let length): state = .fixedBody(remaining: length)
            case .chunked:
                state = .chunkSize
                bodyBytes = 0
            }
            head = PartialHead()
            sectionBytes = 0
            fieldCount = 0
            return .head(complete)
        }
    }

    private mutating func fail(_ kind: HTTPParserError.Kind, _ detail: String) -> Event {
        fail(HTTPParserError(kind, detail))
    }

    private mutating func fail(_ error: HTTPParserError) -> Event {
        state = .failed(error)
        return .error(error)
    }

    private mutating func reset() {
        state = .requestLine
        pendingScan = 0
        sectionBytes = 0
        fieldCount = 0
        bodyBytes = 0
        head = PartialHead()
    }
}
