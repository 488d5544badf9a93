@testable import HTTPServer

/// What a parser produced for a byte stream, in a comparable form.
struct ParsedRequest: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var version: HTTPVersion
    var headers: [String]
    var framing: HTTPRequestHead.Framing
    var keepAlive: Bool
    var expectsContinue: Bool
    var body: [UInt8]

    var description: String { "\(method) \(target) \(version) \(headers) body=\(body.count)B" }
}

/// The outcome of feeding a whole stream: the complete requests, then the error or leftover.
struct ParseOutcome: Equatable {
    var requests: [ParsedRequest] = []
    var error: HTTPParserError?
    /// Bytes not consumed at the end (an incomplete request).
    var unconsumed = 0
}

/// How the bytes of one stream are cut into reads.
enum Split: CustomStringConvertible {
    /// One read with everything.
    case whole
    /// One byte per read (ByteToMessageDecoderVerifier's drip feed).
    case bytewise
    /// Pseudo-random cuts from a fixed seed (repeatable).
    case random
    /// Reads of `n` bytes (the fuzz target's split).
    case fixed(Int)

    var description: String {
        switch self {
        case .whole: "whole"
        case .bytewise: "bytewise"
        case .random: "random"
        case .fixed(let size): "fixed(\(size))"
        }
    }

    func chunks(of bytes: [UInt8], seed: UInt64 = 0x5eed) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole:
            return [bytes[...]]
        case .fixed(let size):
            return stride(from: 0, to: bytes.count, by: size).map { bytes[$0..<min(bytes.count, $0 + size)] }
        case .bytewise:
            return bytes.indices.map { bytes[$0..<($0 + 1)] }
        case .random:
            var state = seed
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < bytes.count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let length = Int((state >> 33) % 17) + 1
                let end = min(bytes.count, start + length)
                chunks.append(bytes[start..<end])
                start = end
            }
            return chunks
        }
    }
}

/// Feeds `bytes` to a fresh parser in the given split, keeping unconsumed bytes and presenting
/// them again with the next read, exactly as a connection does.
func parseStream(_ bytes: [UInt8], split: Split, limits: HTTPRequestParser.Limits = .init()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    var pending: [UInt8] = []
    var current: ParsedRequest?
    for chunk in split.chunks(of: bytes) {
        pending.append(contentsOf: chunk)
        while true {
            let (consumed, event) = pending.withUnsafeBufferPointer { parser.parse($0) }
            var stop = false
            switch event {
            case .needMoreData:
                stop = true
            case .head(let head):
                current = ParsedRequest(
                    method: head.method, target: head.target, version: head.version,
                    headers: head.headers.map { "\($0.name): \($0.value)" }, framing: head.framing,
                    keepAlive: head.keepAlive, expectsContinue: head.expectsContinue, body: []
                )
            case .body(let range):
                current?.body.append(contentsOf: pending[range])
            case .end:
                if let current { outcome.requests.append(current) }
                current = nil
            case .error(let error):
                outcome.error = error
                return outcome
            }
            precondition(consumed <= pending.count)
            pending.removeFirst(consumed)
            if stop { break }
        }
    }
    outcome.unconsumed = pending.count
    return outcome
}

/// `text` with `\n` turned into CRLF, for readable request literals.
func crlf(_ text: String) -> [UInt8] {
    text.utf8.flatMap { $0 == UInt8(ascii: "\n") ? [UInt8(ascii: "\r"), $0] : [$0] }
}
