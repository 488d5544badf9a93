import HTTPServer
import LossTestSupport
import Testing

@Suite("Deflater and Inflater round trips and interoperability")
struct CompressionRoundTripTests {
    /// Text that compresses like a lossd response: a JSON array of floats.
    static func floatText(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        let numbers = (0..<count).map { _ in "\(Float.random(in: -1...1, using: &generator))" }
        return Array("[\(numbers.joined(separator: ","))]".utf8)
    }

    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test(
        "one-shot compression round-trips every format and level",
        arguments: CompressionFormat.allCases,
        [0, 1, 6, 9]
    )
    func oneShotRoundTrip(format: CompressionFormat, level: Int) throws {
        let input = Self.floatText(count: 5000, seed: 1)
        let compressed = Deflater.compress(input, format: format, level: level)
        if level > 0 { #expect(compressed.count < input.count / 2) }
        #expect(try Inflater.decompress(compressed, format: format, limit: input.count) == input)
    }

    @Test("every strategy round-trips and still compresses float text", arguments: Deflater.Strategy.allCases)
    func strategiesRoundTrip(strategy: Deflater.Strategy) throws {
        let input = Self.floatText(count: 5000, seed: 6)
        let compressed = Deflater.compress(input, format: .gzip, level: 1, strategy: strategy)
        #expect(compressed.count < input.count * 3 / 4)
        #expect(try Inflater.decompress(compressed, format: .gzip, limit: input.count) == input)
    }

    @Test("empty and incompressible inputs round-trip", arguments: CompressionFormat.allCases)
    func edgeInputsRoundTrip(format: CompressionFormat) throws {
        for input in [[], [0x41], Self.randomBytes(count: 100_000, seed: 2)] {
            let compressed = Deflater.compress(input, format: format)
            #expect(try Inflater.decompress(compressed, format: format, limit: input.count) == input)
        }
    }

    @Test("streaming compression of pieces equals the one-shot stream's content", arguments: CompressionFormat.allCases)
    func streamingCompression(format: CompressionFormat) throws {
        let input = Self.floatText(count: 20_000, seed: 3)
        let deflater = Deflater(format: format, level: 3)
        var compressed: [UInt8] = []
        for start in stride(from: 0, to: input.count, by: 7919) {
            deflater.compress(input[start..<min(start + 7919, input.count)], into: &compressed)
        }
        deflater.finish(into: &compressed)
        #expect(try Inflater.decompress(compressed, format: format, limit: input.count) == input)

        // The same instance, reset, produces a second independent stream.
        deflater.reset()
        var second: [UInt8] = []
        deflater.compress(input, into: &second)
        deflater.finish(into: &second)
        #expect(second == Deflater.compress(input, format: format, level: 3))
    }

    @Test("a sync flush makes everything so far decodable before the stream ends")
    func syncFlush() throws {
        let deflater = Deflater(format: .gzip)
        var sent: [UInt8] = []
        deflater.compress(Array("first part,".utf8), into: &sent)
        deflater.flush(into: &sent)
        let inflater = Inflater(format: .gzip, limit: 1000)
        var received: [UInt8] = []
        try inflater.inflate(sent, into: &received)
        #expect(received == Array("first part,".utf8))
        #expect(throws: InflateError.self) { try inflater.finish() }  // not ended yet
    }

    @Test("streaming inflation byte by byte gives the same body", arguments: CompressionFormat.allCases)
    func byteByByteInflation(format: CompressionFormat) throws {
        let input = Self.floatText(count: 500, seed: 4)
        let compressed = Deflater.compress(input, format: format)
        let inflater = Inflater(format: format, limit: input.count)
        var output: [UInt8] = []
        for byte in compressed { try inflater.inflate([byte], into: &output) }
        try inflater.finish()
        #expect(output == input)
        #expect(inflater.producedCount == input.count)
    }

    @Test("our gzip output decodes with the gzip tool, and its output decodes with ours")
    func gzipToolInterop() throws {
        let input = Self.floatText(count: 30_000, seed: 5)
        let ours = Deflater.compress(input, format: .gzip, level: 9)
        #expect(try ToolRun.output(["gzip", "-dc"], input: ours) == input)
        let theirs = try ToolRun.output(["gzip", "-c", "-9"], input: input)
        #expect(try Inflater.decompress(theirs, format: .gzip, limit: input.count) == input)
    }
}
