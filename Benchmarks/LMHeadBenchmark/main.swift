// linear_cross_entropy forward + backward through `Loss.compute` (float32, class-index targets,
// no bias, reduction mean, gradients of input and linear_weight), for scripts/bench-lmhead.sh,
// which runs it beside torch and prints the ratios. One measurement per process, printed as one
// JSON line:
//     LMHeadBenchmark time   N H V [repeats] [options...]   {"seconds": [...]}
//     LMHeadBenchmark memory N H V [options...]             {"peak_extra_bytes": ...}
//     LMHeadBenchmark filter N H V scale                    error of filter_gradient vs exact
// Options are name=value pairs of the loss (memory_budget=..., filter_gradient=true). `memory`
// resets the peak resident size (/proc/self/clear_refs 5) after the inputs exist, runs the job
// and reports VmHWM minus the resident size before it and minus the gradients' bytes (the outputs).
// Inputs: hidden states N(0, 1), weights N(0, scale^2 / H) (scale 1: logits of standard deviation
// about 1), targets uniform.
import Glibc
import LossKernels

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// xorshift + Box-Muller: fast enough for 500M values.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) + 1e-7 }
    mutating func normals(_ n: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        var i = 0
        while i < n {
            let r = (-2 * logf(uniform())).squareRoot(), t = 2 * Float.pi * uniform()
            out[i] = r * cosf(t) * scale
            if i + 1 < n { out[i + 1] = r * sinf(t) * scale }
            i += 2
        }
        return out
    }
}

func residentBytes(_ key: String) -> Int {
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, f) != nil {
        let s = String(cString: line)
        if s.hasPrefix(key + ":") {
            return (Int(s.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) * 1024
        }
    }
    return 0
}

let args = CommandLine.arguments
guard args.count >= 5, let n = Int(args[2]), let h = Int(args[3]), let v = Int(args[4]) else {
    print("usage: LMHeadBenchmark time|memory|filter N H V [repeats|scale] [name=value...]")
    exit(2)
}
let mode = args[1]
var rng = Random(state: 0x9E37_79B9_7F4A_7C15)
let scale = mode == "filter" ? Float(args.count > 5 ? args[5] : "1") ?? 1 : 1
let x = Tensor(shape: [n, h], float32: rng.normals(n * h, scale: 1))
let w = Tensor(shape: [v, h], float32: rng.normals(v * h, scale: scale / Float(h).squareRoot()))
let y = Tensor(shape: [n], int64: (0..<n).map { _ in Int64(rng.next() % UInt64(v)) })
var options = LossOptions()
for pair in args.dropFirst(mode == "memory" ? 5 : 6) {
    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
    try! options.set(parts[0], to: .string(parts[1]), for: .linearCrossEntropy, fromText: true)
}
/// Threads (OpenBLAS's): LOSSD_BENCH_THREADS, default 2.
let threads = getenv("LOSSD_BENCH_THREADS").flatMap { Int(String(cString: $0)) } ?? 2
func job(_ o: LossOptions) -> LossJob {
    var job = LossJob(name: .linearCrossEntropy, tensors: ["input": x, "linear_weight": w, "target": y], options: o)
    job.maxThreads = threads
    return job
}

switch mode {
case "time":
    let repeats = args.count > 5 ? Int(args[5]) ?? 1 : 1
    var seconds: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        _ = try! Loss.compute(job(options))
        seconds.append(now() - t0)
    }
    print("{\"seconds\": \(seconds)}")
case "memory":
    let before = residentBytes("VmRSS")
    if let f = fopen("/proc/self/clear_refs", "w") { fputs("5", f); fclose(f) }
    let result = try! Loss.compute(job(options))
    let peak = residentBytes("VmHWM")
    let outputs = (n * h + v * h) * 4
    print("{\"peak_extra_bytes\": \(peak - before - outputs), \"value\": \(result.value.doubles[0])}")
case "filter":
    // Exact and filtered gradients of the same job; the error of the filtered one relative to
    // the largest exact element, and the time of each.
    var t0 = now()
    let exact = try! Loss.compute(job(options))
    let exactSeconds = now() - t0
    var filtered = options
    try! filtered.set("filter_gradient", to: .bool(true), for: .linearCrossEntropy)
    t0 = now()
    let approx = try! Loss.compute(job(filtered))
    let filteredSeconds = now() - t0
    var report: [String] = ["\"exact_seconds\": \(exactSeconds)", "\"filtered_seconds\": \(filteredSeconds)"]
    for name in ["input", "linear_weight"] {
        let e = exact.gradient(name)!.doubles, a = approx.gradient(name)!.doubles
        var maxErr = 0.0, maxAbs = 0.0, errSq = 0.0, normSq = 0.0
        for i in e.indices {
            maxErr = max(maxErr, abs(a[i] - e[i])); maxAbs = max(maxAbs, abs(e[i]))
            errSq += (a[i] - e[i]) * (a[i] - e[i]); normSq += e[i] * e[i]
        }
        report.append("\"\(name)_max_error_over_max\": \(maxErr / maxAbs)")
        report.append("\"\(name)_relative_l2_error\": \((errSq / normSq).squareRoot())")
    }
    report.append("\"value_difference\": \(abs(exact.value.doubles[0] - approx.value.doubles[0]))")
    print("{" + report.joined(separator: ", ") + "}")
default:
    print("unknown mode \(mode)")
    exit(2)
}
