// Parses and writes a 1M-element float array with lossd's JSON codec, with a plain memory copy of
// the same bytes and with Foundation's JSONSerialization on the same bytes, and prints MB/s and
// the ratios (issue 15: parse >= 1.0 GB/s, write >= 0.8 GB/s per core). scripts/bench-codecs.sh
// then times orjson on the very same bytes (`--emit DIR` writes them). Inputs are what Python
// writes:
//   - "python-f64": json.dumps(torch_float32_tensor.tolist()): float32 values widened to double,
//     17 significant digits, ", " separators (the text a PyTorch client sends);
//   - "shortest-f32": float32 shortest digits, "," separators (what lossd itself writes).
// Writes: the same values as float32 and float64, and gradient-like float32 values.
// Usage: CodecBench [--quick] [--profile] [--only TEXT] [--no-foundation] [--emit DIR]
//   --quick: 100k elements, 2 rounds; --profile: ours only, 30 rounds, no ratio (for perf record);
//   --only: just the cases whose name contains TEXT; --no-foundation: skip JSONSerialization;
//   --emit DIR: write each case's input (parse: the JSON text; write: the float32 values, raw
//   little-endian) and DIR/lossd.tsv (case, bytes, seconds of lossd, seconds of memcpy).
import Foundation
import TensorCodecs

let quick = CommandLine.arguments.contains("--quick")
let count = quick ? 100_000 : 1_000_000
let profile = CommandLine.arguments.contains("--profile")
let rounds = profile ? 30 : quick ? 2 : 7
let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }
let emit = CommandLine.arguments.firstIndex(of: "--emit").map { CommandLine.arguments[$0 + 1] }
let skipFoundation = profile || CommandLine.arguments.contains("--no-foundation")
var emitted = ""

/// Writes `bytes` to DIR/`file` under `--emit DIR`.
func emitFile(_ file: String, _ bytes: [UInt8]) {
    guard let emit else { return }
    _ = FileManager.default.createFile(atPath: emit + "/" + file, contents: Data(bytes))
}

/// Median thread-CPU seconds of copying `count` bytes with memcpy (into a warm buffer): the
/// floor a codec is compared with.
@MainActor
func memcpySeconds(_ count: Int) -> Double {
    let source = [UInt8](repeating: 0x31, count: count)
    var target = [UInt8](repeating: 0, count: count)
    return measure {
        target.withUnsafeMutableBytes { t in source.withUnsafeBytes { s in _ = memcpy(t.baseAddress!, s.baseAddress!, count) } }
        precondition(target[count / 2] == 0x31)
    }
}

/// Whether the case `name` runs (all of them without `--only`).
func selected(_ name: String) -> Bool {
    only.map { name.contains($0) } ?? true
}

/// Seconds of CPU time this thread has used: the machine is shared (2 cores, several builds
/// at once), so wall time measures the neighbours as much as the code. DESIGN.md's budget is
/// per core, which is what thread CPU time measures.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Median thread-CPU seconds of `rounds` runs of `body`.
@MainActor
func measure(_ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<rounds {
        let start = threadCPUSeconds()
        try body()
        times.append(threadCPUSeconds() - start)
    }
    return times.sorted()[times.count / 2]
}

@MainActor
func report(_ name: String, bytes: Int, ours: Double, foundation: Double) {
    let mb = Double(bytes) / 1e6
    let copy = memcpySeconds(bytes)
    emitted += "\(name)\t\(bytes)\t\(ours)\t\(copy)\n"
    let line = String(
        format: "%@ %7.1f MB  ours %8.1f MB/s  memcpy %8.1f MB/s  Foundation %7.1f MB/s  ratio %6.1fx",
        name.padding(toLength: 26, withPad: " ", startingAt: 0), mb, mb / ours, mb / copy, mb / foundation, foundation / ours)
    print(line)
}

// Standard-normal float32 values (Box-Muller), a fixed seed so runs compare.
struct LCG {
    var state: UInt64 = 0x5EED
    mutating func uniform() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
}
var lcg = LCG()
let floats: [Float] = (0..<count).map { _ in
    Float((-2 * log(lcg.uniform())).squareRoot() * cos(2 * .pi * lcg.uniform()))
}

// Input texts.
@MainActor
func pythonText() -> [UInt8] {
    var writer = JSONWriter()
    writer.tensor(floats.map { Double($0) }, shape: [count], form: .nested)
    var text: [UInt8] = []
    text.reserveCapacity(writer.bytes.count + count)
    for byte in writer.bytes {
        text.append(byte)
        if byte == UInt8(ascii: ",") { text.append(UInt8(ascii: " ")) }
    }
    return text
}
var shortestWriter = JSONWriter()
shortestWriter.tensor(floats, shape: [count], form: .nested)
let inputs: [(String, [UInt8])] = [("parse python-f64", pythonText()), ("parse shortest-f32", shortestWriter.bytes)]
for (name, text) in inputs { emitFile(name.replacingOccurrences(of: " ", with: "_") + ".json", text) }

print("lossd JSON codec vs Foundation JSONSerialization, \(count) float32 values, median thread-CPU time of \(rounds)")
for (name, text) in inputs where selected(name) {
    let data = Data(text)
    var checksum = 0.0
    let ours = try measure {
        guard case .numbers(let array) = try JSONReader.parse(text) else { fatalError("not packed") }
        checksum += array[count / 2]
    }
    let foundation = skipFoundation ? .nan : try measure {
        let array = try JSONSerialization.jsonObject(with: data) as! [Any]
        checksum += (array[count / 2] as! NSNumber).doubleValue
    }
    precondition(checksum.isFinite)
    report(name, bytes: text.count, ours: ours, foundation: foundation)
}

// Writing the same 1M values: ours as float32 (shortest float32 digits, what lossd writes for a
// float32 job) and as float64; Foundation from [Double] (what JSONSerialization can take). MB/s
// count each writer's own output; the ratio compares the times for the same values.
let doubles = floats.map { Double($0) }
let boxed = doubles as [Any]
var foundationBytes = 0
let foundationWrite = skipFoundation || !selected("write") ? .nan : try measure {
    foundationBytes = try JSONSerialization.data(withJSONObject: boxed).count
}
var buffer: [UInt8] = []

/// Times our writer on `write`, reusing one buffer, and reports it next to a memcpy of its output
/// and Foundation's; `values` are emitted for orjson.
@MainActor
func reportWrite(_ name: String, values: [Float]?, _ write: (inout JSONWriter) -> Void) {
    guard selected(name) else { return }
    if let values { emitFile(name.replacingOccurrences(of: " ", with: "_") + ".f32", values.withUnsafeBytes { Array($0) }) }
    var written = 0
    let ours = measure {
        buffer.removeAll(keepingCapacity: true)
        var writer = JSONWriter(buffer: buffer)
        write(&writer)
        written = writer.bytes.count
        buffer = writer.bytes
    }
    let copy = memcpySeconds(written)
    emitted += "\(name)\t\(written)\t\(ours)\t\(copy)\n"
    let line = String(
        format: "%@ %7.1f MB  ours %8.1f MB/s  memcpy %8.1f MB/s  Foundation %7.1f MB/s (%.1f MB)  ratio %6.1fx",
        name.padding(toLength: 26, withPad: " ", startingAt: 0), Double(written) / 1e6, Double(written) / 1e6 / ours,
        Double(written) / 1e6 / copy, Double(foundationBytes) / 1e6 / foundationWrite, Double(foundationBytes) / 1e6,
        foundationWrite / ours)
    print(line)
}
reportWrite("write f32", values: floats) { $0.tensor(floats, shape: [count], form: .nested) }
// What a cross-entropy gradient looks like: softmax over 1000 classes divided by a batch of 32,
// mostly 1e-6...1e-3, so scientific and fixed notation mix.
let gradients = floats.map { Float(exp(Double($0)) / 1000 / 32) }
reportWrite("write f32-gradient", values: gradients) { $0.tensor(gradients, shape: [count], form: .nested) }
reportWrite("write f64", values: nil) { $0.tensor(doubles, shape: [count], form: .nested) }
if let emit { _ = FileManager.default.createFile(atPath: emit + "/lossd.tsv", contents: Data(emitted.utf8)) }
