// Cross-entropy forward+backward throughput (float32, class-index targets, reduction mean):
// lossd's fused kernel (through the public `Loss.compute`, gradient allocated per call, and
// `Loss.compute(_:gradientInto:)` with a reused gradient buffer) next to
// a straightforward reference structured as PyTorch's eager CPU path (log_softmax into an N x C
// buffer, gather; backward: zeroed N x C grad with one slot per row, then
// grad_in = grad_out - exp(lp) * sum(grad_out); single thread) and a plain memory copy of the
// same bytes (read input, write output) into a fresh and into a warm buffer.
// Not a test: it prints ratios measured in the same run. Run it with
//     swift run -c release KernelBenchmark
import Glibc
import LossKernels

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best time of `repeats` runs after one warm-up.
func best(_ repeats: Int, _ body: () -> Void) -> Double {
    body()
    var b = Double.infinity
    for _ in 0..<repeats {
        let t0 = now()
        body()
        b = min(b, now() - t0)
    }
    return b
}

/// PyTorch's eager structure, written plainly: 5 passes over N x C and two N x C buffers.
func reference(_ x: [Float], rows n: Int, classes c: Int, targets: [Int64]) -> (Float, [Float]) {
    var lp = [Float](repeating: 0, count: x.count)
    var loss: Float = 0
    for r in 0..<n {
        var m = -Float.infinity
        for j in 0..<c where x[r * c + j] > m { m = x[r * c + j] }
        var s: Float = 0
        for j in 0..<c { s += expf(x[r * c + j] - m) }
        let logS = logf(s)
        for j in 0..<c { lp[r * c + j] = (x[r * c + j] - m) - logS }
        loss -= lp[r * c + Int(targets[r])]
    }
    loss /= Float(n)
    var grad = [Float](repeating: 0, count: x.count)
    for r in 0..<n { grad[r * c + Int(targets[r])] = -1 / Float(n) }
    for r in 0..<n {
        var sum: Float = 0
        for j in 0..<c { sum += grad[r * c + j] }
        for j in 0..<c { grad[r * c + j] -= expf(lp[r * c + j]) * sum }
    }
    return (loss, grad)
}

/// SplitMix64: fast, repeatable inputs (the system generator made a syscall per number).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64 = 0x5EED
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
var rng = SplitMix()
// Optional arguments select shapes, e.g. `KernelBenchmark 4096x32000`; `--fused-only` skips the
// baselines (for profiling the kernel alone).
let allShapes = [(4096, 32000), (64, 1000), (8, 50257), (32768, 128)]
let fusedOnly = CommandLine.arguments.contains("--fused-only")
// `table` runs only the table of every loss (`table float64`: in float64; `table threads1`: jobs
// on one thread; `table mse_loss l1_loss`: those losses only).
let chosen = CommandLine.arguments.dropFirst().filter { $0 != "--fused-only" }
let shapes = chosen.isEmpty ? allShapes : allShapes.filter { chosen.contains("\($0.0)x\($0.1)") }
/// `v` with `digits` decimals (no Foundation here).
func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((v * scale).rounded())
    let frac = String(n % Int(scale))
    return digits == 0 ? String(n) : "\(n / Int(scale)).\(String(repeating: "0", count: digits - frac.count))\(frac)"
}

print("cross_entropy fwd+bwd, float32, mean, 2 cores available; G el/s = 1e9 elements per second (best of N)")
for (n, c) in shapes {
    let count = n * c
    var x = [Float](repeating: 0, count: count)
    for i in 0..<count { x[i] = Float.random(in: -4...4, using: &rng) }
    let targets = (0..<n).map { _ in Int64.random(in: 0..<Int64(c), using: &rng) }
    let job = LossJob(name: .crossEntropy, input: Tensor(shape: [n, c], float32: x),
                      target: Tensor(shape: [n], int64: targets))
    // Enough repeats for about a second of work per measurement, at least 3.
    let repeats = max(3, min(200, 300_000_000 / count))
    var sink = 0.0
    let fused = best(repeats) {
        let r = try! Loss.compute(job)
        sink += r.value.doubles[0]
    }
    var reused = [Float](repeating: 0, count: count)
    let fusedReused = best(repeats) {
        reused.withUnsafeMutableBufferPointer { g in
            let r = try! Loss.compute(job, gradientInto: g)
            sink += r.value.doubles[0]
        }
    }
    let e = Double(count)
    func rate(_ t: Double) -> String { "\(fixed(e / t / 1e9, 3)) G el/s (\(fixed(t * 1e3, 2)) ms)" }
    print("\(n)x\(c):")
    print("  fused lossd        \(rate(fused))   (new gradient array per call)")
    print("  fused, reused grad \(rate(fusedReused))   (Loss.compute(_:gradientInto:), warm buffer)")
    if fusedOnly { continue }
    let ref = best(max(1, repeats / 10)) {
        let (l, g) = reference(x, rows: n, classes: c, targets: targets)
        sink += Double(l) + Double(g[0])
    }
    let fresh = best(repeats) {
        let y = [Float](unsafeUninitializedCapacity: count) { buf, k in
            x.withUnsafeBytes { src in _ = memcpy(buf.baseAddress!, src.baseAddress!, count * 4) }
            k = count
        }
        sink += Double(y[count - 1])
    }
    var warm = [Float](repeating: 1, count: count)
    let warmTime = best(repeats) {
        warm.withUnsafeMutableBytes { dst in
            x.withUnsafeBytes { src in _ = memcpy(dst.baseAddress!, src.baseAddress!, count * 4) }
        }
        sink += Double(warm[count - 1])
    }
    print("  reference          \(rate(ref))   fused is \(fixed(ref / fused, 1))x faster")
    print("  memcpy, fresh dst  \(rate(fresh))   fused (new gradient) takes \(fixed(fused / fresh, 2))x its time")
    print("  memcpy, warm dst   \(rate(warmTime))   fused with reused grad takes \(fixed(fusedReused / warmTime, 2))x its time")
    if sink == 42 { print("") }
}
if !fusedOnly && (chosen.isEmpty || chosen.contains("table")) {
    lossTable(float64: chosen.contains("float64"), threads: chosen.contains("threads1") ? 1 : 2,
              only: chosen.filter { !["table", "float64", "threads1"].contains($0) })
}
