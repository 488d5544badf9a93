// zlib on the text lossd actually sends: JSON arrays of float32 numbers written with shortest
// round-trip digits, as gradients and per-element losses are. For each body size, levels 1/3/6/9
// and the Huffman-only (lossd's and zlib's) and run-length strategies, it reports the compression ratio, compress and
// inflate throughput through lossd's Deflater and Inflater (gzip), and, as the in-run baseline,
// throughput relative to level 6 with the default strategy (zlib's default). The numbers inform
// the default level and the compression threshold.
//
// Usage: ZlibBench [--quick]     (--quick: shorter timing windows, for a smoke run)
import HTTPServer

#if canImport(Glibc)
    import Glibc
#endif

/// A JSON body of `rows` × `columns` float32 values, nested like a tensor (`[[...],[...]]`).
func floatJSON(rows: Int, columns: Int, sample: () -> Float) -> [UInt8] {
    var text = "["
    for row in 0..<rows {
        if row > 0 { text += "," }
        text += rows > 1 ? "[" : ""
        for column in 0..<columns {
            if column > 0 { text += "," }
            text += "\(sample())"  // Swift prints the shortest digits that round-trip
        }
        text += rows > 1 ? "]" : ""
    }
    text += "]"
    return Array(text.utf8)
}

/// Gradient-like values: normal with σ = 1e-3 (Box–Muller), the shape of a 32×1000 logit
/// gradient's magnitudes.
func gradientSample() -> Float {
    let u1 = Float.random(in: Float.ulpOfOne..<1)
    let u2 = Float.random(in: 0..<1)
    return 1e-3 * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}

/// Loss-like values: uniform in [0, 5).
func lossSample() -> Float { Float.random(in: 0..<5) }

/// Seconds per call of `body`: the best of 3 windows, each repeating `body` for at least `window`.
func secondsPerCall(window: Duration, _ body: () -> Int) -> Double {
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<3 {
        var calls = 0
        var elapsed = Duration.zero
        let start = clock.now
        while elapsed < window {
            sink &+= body()
            calls += 1
            elapsed = clock.now - start
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds / Double(calls))
    }
    return best
}

/// Keeps results observable so the optimiser cannot drop the work.
nonisolated(unsafe) var sink = 0

let quick = CommandLine.arguments.contains("--quick")
let window: Duration = quick ? .milliseconds(40) : .milliseconds(250)

let corpora: [(name: String, body: [UInt8])] = [
    ("loss 1x64", floatJSON(rows: 1, columns: 64, sample: lossSample)),
    ("loss 1x400", floatJSON(rows: 1, columns: 400, sample: lossSample)),
    ("grad 4x250", floatJSON(rows: 4, columns: 250, sample: gradientSample)),
    ("grad 8x1000", floatJSON(rows: 8, columns: 1000, sample: gradientSample)),
    ("grad 32x1000", floatJSON(rows: 32, columns: 1000, sample: gradientSample)),
    ("loss 32x1000", floatJSON(rows: 32, columns: 1000, sample: lossSample)),
    ("grad 256x4000", floatJSON(rows: 256, columns: 4000, sample: gradientSample)),
]

func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

func fixed(_ value: Double, _ decimals: Int) -> String {
    let scale = pow(10.0, Double(decimals))
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
    }
    return text
}

/// zlib itself with `strategy`, through the streaming API (the one-shot `Deflater.compress`
/// sends `.huffmanOnly` to lossd's own `HuffmanOnlyDeflate`).
func zlibStream(_ body: [UInt8], level: Int, strategy: Deflater.Strategy) -> [UInt8] {
    let deflater = Deflater(format: .gzip, level: level, strategy: strategy)
    var output: [UInt8] = []
    output.reserveCapacity(body.count)
    deflater.compress(body, into: &output)
    deflater.finish(into: &output)
    return output
}

/// (label, compressor): levels with the default strategy, then the two fast strategies, and
/// zlib's own Huffman-only next to lossd's.
let settings: [(String, ([UInt8]) -> [UInt8])] = [
    ("1", 1, Deflater.Strategy.default), ("3", 3, .default), ("6", 6, .default), ("9", 9, .default),
    ("huff", 1, .huffmanOnly), ("rle", 1, .runLength),
].map { setting in
    (setting.0, { Deflater.compress($0, format: .gzip, level: setting.1, strategy: setting.2) })
} + [("zhuff", { zlibStream($0, level: 1, strategy: .huffmanOnly) })]

print("zlib (gzip) through HTTPServer.Deflater/Inflater; MB = 10^6 bytes of uncompressed JSON")
print(
    [
        pad("corpus", 14), pad("bytes", 10), pad("level", 5), pad("gz bytes", 10), pad("ratio", 7),
        pad("deflate MB/s", 13), pad("vs L6", 6), pad("us/body", 10), pad("inflate MB/s", 13),
    ].joined(separator: " ")
)

for (name, body) in corpora {
    var rows: [(setting: String, compressed: Int, seconds: Double, inflateSeconds: Double)] = []
    for (setting, compress) in settings {
        let compressed = compress(body)
        guard (try? Inflater.decompress(compressed, format: .gzip, limit: body.count)) == body else {
            fatalError("round trip failed for \(name) at \(setting)")
        }
        let seconds = secondsPerCall(window: window) {
            compress(body).count
        }
        let inflateSeconds = secondsPerCall(window: window) {
            (try? Inflater.decompress(compressed, format: .gzip, limit: body.count))?.count ?? 0
        }
        rows.append((setting, compressed.count, seconds, inflateSeconds))
    }
    let baseline = rows.first { $0.setting == "6" }!.seconds
    for row in rows {
        let megabytes = Double(body.count) / 1e6
        print(
            [
                pad(name, 14), pad("\(body.count)", 10), pad(row.setting, 5), pad("\(row.compressed)", 10),
                pad(fixed(Double(body.count) / Double(row.compressed), 2), 7),
                pad(fixed(megabytes / row.seconds, 1), 13), pad(fixed(baseline / row.seconds, 2), 6),
                pad(fixed(row.seconds * 1e6, 1), 10), pad(fixed(megabytes / row.inflateSeconds, 1), 13),
            ].joined(separator: " ")
        )
    }
}
print("level: zlib level (default strategy), huff = lossd's HuffmanOnlyDeflate, zhuff = zlib's Z_HUFFMAN_ONLY, rle = Z_RLE")
print("ratio = uncompressed/compressed; vs L6 = deflate throughput relative to level 6 in this run")
if sink == 42 { print("") }  // consume the sink
