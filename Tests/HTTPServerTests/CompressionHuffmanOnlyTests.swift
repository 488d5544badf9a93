import Foundation
@testable import HTTPServer
import LossTestSupport
import Testing

@Suite("Huffman-only deflate (HuffmanOnlyDeflate and HuffmanCode)")
struct CompressionHuffmanOnlyTests {
    /// Bytes whose counts follow the Fibonacci numbers: the optimal code is as deep as there are
    /// symbols, so the 15-bit limit must cut it.
    static func fibonacciSkewed(symbols: Int) -> [UInt8] {
        var counts = [1, 1]
        while counts.count < symbols { counts.append(counts[counts.count - 1] + counts[counts.count - 2]) }
        var bytes: [UInt8] = []
        for (symbol, count) in counts.enumerated() {
            bytes.append(contentsOf: repeatElement(UInt8(symbol), count: count))
        }
        var generator = SeededGenerator(seed: 11)
        bytes.shuffle(using: &generator)
        return bytes
    }

    /// Inputs for the edges of the encoder: empty, one byte, one value repeated, every byte
    /// value, incompressible bytes (stored blocks), block-size boundaries, a code the length
    /// limit must flatten, and float text over several blocks.
    static let inputs: [(String, [UInt8])] = [
        ("empty", []),
        ("one byte", [0x41]),
        ("two bytes", [0x00, 0xFF]),
        ("one value repeated", [UInt8](repeating: 0x37, count: 100_000)),
        ("every byte value", (0..<256).map { UInt8($0) }),
        ("random bytes", CompressionRoundTripTests.randomBytes(count: 200_000, seed: 12)),
        ("one block exactly", Array(CompressionRoundTripTests.floatText(count: 8_000, seed: 13).prefix(HuffmanOnlyDeflate.blockSize))),
        ("one block and a byte", Array(CompressionRoundTripTests.floatText(count: 8_000, seed: 14).prefix(HuffmanOnlyDeflate.blockSize + 1))),
        ("Fibonacci-skewed", fibonacciSkewed(symbols: 24)),
        ("float text", CompressionRoundTripTests.floatText(count: 40_000, seed: 15)),
    ]

    @Test("zlib inflates every format back to the input", arguments: CompressionFormat.allCases)
    func roundTrips(format: CompressionFormat) throws {
        for (name, input) in Self.inputs {
            let compressed = Deflater.compress(input, format: format, level: 1, strategy: .huffmanOnly)
            let inflated = try Inflater.decompress(compressed, format: format, limit: max(1, input.count))
            #expect(inflated == input, "\(name)")
            let blocks = max(1, (input.count + HuffmanOnlyDeflate.blockSize - 1) / HuffmanOnlyDeflate.blockSize)
            #expect(compressed.count <= input.count + 6 * blocks + 18, "\(name): larger than stored blocks")
        }
    }

    @Test("random inputs of random sizes, alphabets and skews round-trip")
    func randomRoundTrips() throws {
        var generator = SeededGenerator(seed: 19)
        for _ in 0..<60 {
            let alphabet = Int.random(in: 1...256, using: &generator)
            let count = Int.random(in: 0...80_000, using: &generator)
            // Geometric-like skew: symbol k drawn with weight about skew^k.
            let skew = Double.random(in: 0.3...1, using: &generator)
            var weights = (0..<alphabet).map { pow(skew, Double($0)) }
            let total = weights.reduce(0, +)
            weights = weights.map { $0 / total }
            let input = (0..<count).map { _ -> UInt8 in
                var u = Double.random(in: 0..<1, using: &generator)
                for (symbol, weight) in weights.enumerated() {
                    u -= weight
                    if u < 0 { return UInt8(symbol) }
                }
                return UInt8(alphabet - 1)
            }
            let format = CompressionFormat.allCases.randomElement(using: &generator)!
            let compressed = Deflater.compress(input, format: format, level: 1, strategy: .huffmanOnly)
            let inflated = try Inflater.decompress(compressed, format: format, limit: max(1, input.count))
            #expect(inflated == input, "alphabet \(alphabet), \(count) bytes, skew \(skew), \(format)")
        }
    }

    @Test("gzip(1) decompresses the output")
    func gzipToolReadsIt() throws {
        let input = CompressionRoundTripTests.floatText(count: 30_000, seed: 16)
        let compressed = Deflater.compress(input, format: .gzip, level: 1, strategy: .huffmanOnly)
        #expect(try ToolRun.output(["gzip", "-dc"], input: compressed) == input)
    }

    @Test("float text comes out within 2% of zlib's own Huffman-only size, and under half the input")
    func sizeMatchesZlib() {
        let input = CompressionRoundTripTests.floatText(count: 40_000, seed: 17)
        let ours = Deflater.compress(input, format: .gzip, level: 1, strategy: .huffmanOnly)
        // The streaming API still runs zlib with Z_HUFFMAN_ONLY.
        let zlib = Deflater(format: .gzip, level: 1, strategy: .huffmanOnly)
        var theirs: [UInt8] = []
        zlib.compress(input, into: &theirs)
        zlib.finish(into: &theirs)
        #expect(Double(ours.count) <= Double(theirs.count) * 1.02, "ours \(ours.count), zlib \(theirs.count)")
        #expect(ours.count < input.count / 2)
    }

    @Test("level 0 with Huffman-only still stores, as zlib does")
    func levelZeroStores() throws {
        let input = CompressionRoundTripTests.floatText(count: 2_000, seed: 18)
        let compressed = Deflater.compress(input, format: .zlib, level: 0, strategy: .huffmanOnly)
        #expect(compressed.count > input.count)
        #expect(try Inflater.decompress(compressed, format: .zlib, limit: input.count) == input)
    }

    @Test("codes are complete, prefix-free, canonical and within the length limit", arguments: [7, 9, 15])
    func codeProperties(maxLength: Int) {
        var generator = SeededGenerator(seed: UInt64(maxLength))
        var fibonacci = [1, 1]
        while fibonacci.count < 30 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        let cases: [[Int]] = [
            fibonacci,
            (0..<257).map { _ in Int.random(in: 0...1000, using: &generator) },
            (0..<19).map { $0 % 3 == 0 ? 0 : Int.random(in: 1...50, using: &generator) },
            [0, 5, 0, 0, 9],
        ]
        for frequencies in cases where frequencies.filter({ $0 > 0 }).count <= 1 << maxLength {
            let code = HuffmanCode(frequencies: frequencies, maxLength: maxLength)
            let used = frequencies.indices.filter { frequencies[$0] > 0 }
            #expect(frequencies.indices.allSatisfy { (frequencies[$0] > 0) == (code.lengths[$0] > 0) })
            #expect(code.lengths.allSatisfy { Int($0) <= maxLength })
            // Kraft: a complete code has sum 2^-length == 1 (in units of 2^-maxLength).
            let kraft = used.reduce(0) { $0 + (1 << (maxLength - Int(code.lengths[$1]))) }
            #expect(kraft == 1 << maxLength, "incomplete or over-full code for \(frequencies)")
            // Prefix-free: no code (as bits, first bit first) begins another.
            let words = used.map { symbol -> String in
                let length = Int(code.lengths[symbol])
                return String((0..<length).map { code.reversedCodes[symbol] >> $0 & 1 == 1 ? "1" : "0" })
            }
            for (i, a) in words.enumerated() {
                for (j, b) in words.enumerated() where i != j {
                    #expect(!b.hasPrefix(a), "\(a) prefixes \(b)")
                }
            }
        }
        // The untruncated Fibonacci code would be 29 bits deep; within 15 it must still favour
        // frequent symbols.
        let limited = HuffmanCode(frequencies: fibonacci, maxLength: 15)
        #expect(limited.lengths.last! <= limited.lengths.first!)
    }
}
