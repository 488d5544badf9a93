// libFuzzer target for the HTTP/1.1 request parser (compiled together with the parser's source
// files, listed in sources.txt, by FuzzTesting/build.sh).
//
// Each input is parsed twice: whole, and cut into reads whose sizes come from the input's first
// byte (1...16 bytes, the drip-feed case). Invariants checked on every call:
// - the parser never consumes more than it was given, and body ranges lie inside the input;
// - both feeds produce the same requests, bodies and error (a parser that depends on how TCP
//   segments arrive would let a request be smuggled);
// - the request target of every head percent-decodes without trapping.
// A violated invariant traps, which libFuzzer reports as a crash.

/// What a whole stream produced.
struct Transcript: Equatable {
    var heads: [String] = []
    var bodies: [[UInt8]] = []
    var error: HTTPParserError?
}

func run(_ bytes: [UInt8], chunk: Int, limits: HTTPRequestParser.Limits) -> Transcript {
    var parser = HTTPRequestParser(limits: limits)
    var transcript = Transcript()
    var pending: [UInt8] = []
    var body: [UInt8] = []
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunk)
        pending.append(contentsOf: bytes[offset..<end])
        offset = end
        while true {
            let (consumed, event) = pending.withUnsafeBufferPointer { parser.parse($0) }
            precondition(consumed >= 0 && consumed <= pending.count, "consumed out of range")
            var stop = false
            switch event {
            case .needMoreData:
                stop = true
            case .head(let head):
                let target = RequestTarget(head.target)
                transcript.heads.append("\(head.method) \(head.target) \(head.version) \(head.framing) \(head.keepAlive) \(target.path.utf8.count)")
            case .body(let range):
                precondition(range.lowerBound >= 0 && range.upperBound <= consumed, "body range outside the consumed input")
                body.append(contentsOf: pending[range])
            case .end:
                transcript.bodies.append(body)
                body = []
            case .error(let error):
                transcript.error = error
                return transcript
            }
            pending.removeFirst(consumed)
            if stop { break }
        }
    }
    return transcript
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let chunk = Int(data[0] % 16) + 1
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Small limits so that the limit paths are reached by short inputs too.
    let limits = HTTPRequestParser.Limits(
        maxRequestLineBytes: 200, maxHeaderBytes: 400, maxHeaderCount: 12, maxBodyBytes: 300, maxChunkLineBytes: 40,
        singletonFields: ["authorization", "content-type"]
    )
    let whole = run(bytes, chunk: max(bytes.count, 1), limits: limits)
    let dripped = run(bytes, chunk: chunk, limits: limits)
    precondition(whole == dripped, "whole and split feeds disagree: \(whole) vs \(dripped)")
    return 0
}
