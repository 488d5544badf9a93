import Glibc
import LossKernels

/// Forward+backward throughput of ctc_loss, poisson_nll_loss, gaussian_nll_loss and
/// margin_ranking_loss (float32, reduction mean, through `Loss.compute`) on 4096-row cases;
/// bench_torch.py times PyTorch on the same shapes. Elements are those of the first
/// differentiable tensor.
func benchmarkLossesA(_ rng: inout SplitMix) {
    let rows = 4096, columns = 1024
    func uniform(_ count: Int, _ range: ClosedRange<Float>) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &rng) }
    }
    let n = rows * columns
    let (frames, classes, width) = (50, 32, 10)
    var logProbs = uniform(frames * rows * classes, -4...4)
    for start in stride(from: 0, to: logProbs.count, by: classes) {
        var m = -Float.infinity
        for c in 0..<classes { m = max(m, logProbs[start + c]) }
        var s: Float = 0
        for c in 0..<classes { s += expf(logProbs[start + c] - m) }
        for c in 0..<classes { logProbs[start + c] -= m + logf(s) }
    }
    let ctcTargets = (0..<(rows * width)).map { _ in Int64.random(in: 1..<Int64(classes), using: &rng) }
    let targetLengths = (0..<rows).map { _ in Int64.random(in: 5...Int64(width), using: &rng) }
    let jobs: [(String, LossJob, Int)] = [
        ("ctc_loss T=\(frames) N=\(rows) C=\(classes) S=\(width)", LossJob(name: .ctcLoss, tensors: [
            "log_probs": Tensor(shape: [frames, rows, classes], float32: logProbs),
            "targets": Tensor(shape: [rows, width], int64: ctcTargets),
            "input_lengths": Tensor(shape: [rows], int64: Array(repeating: Int64(frames), count: rows)),
            "target_lengths": Tensor(shape: [rows], int64: targetLengths),
        ]), frames * rows * classes),
        ("poisson_nll_loss \(rows)x\(columns)", LossJob(
            name: .poissonNLLLoss, input: Tensor(shape: [rows, columns], float32: uniform(n, -2...2)),
            target: Tensor(shape: [rows, columns], float32: uniform(n, 0...8).map { $0.rounded() })), n),
        ("gaussian_nll_loss \(rows)x\(columns)", LossJob(name: .gaussianNLLLoss, tensors: [
            "input": Tensor(shape: [rows, columns], float32: uniform(n, -2...2)),
            "target": Tensor(shape: [rows, columns], float32: uniform(n, -2...2)),
            "var": Tensor(shape: [rows, columns], float32: uniform(n, 0.1...2)),
        ]), n),
        ("margin_ranking_loss \(rows)x\(columns)", LossJob(name: .marginRankingLoss, tensors: [
            "input1": Tensor(shape: [rows, columns], float32: uniform(n, -2...2)),
            "input2": Tensor(shape: [rows, columns], float32: uniform(n, -2...2)),
            "target": Tensor(shape: [rows, columns], float32: uniform(n, -1...1).map { $0 < 0 ? -1 : 1 }),
        ]), n),
    ]
    print("losses-a fwd+bwd, float32, mean, through Loss.compute (best of N)")
    var sink = 0.0
    for (name, job, elements) in jobs {
        let repeats = max(3, min(50, 100_000_000 / elements))
        let t = best(repeats) { sink += try! Loss.compute(job).value.doubles[0] }
        print("  \(name): lossd \(fixed(Double(elements) / t / 1e9, 3)) G el/s (\(fixed(t * 1e3, 2)) ms, best of \(repeats))")
    }
    if sink == 42 { print("") }
}
