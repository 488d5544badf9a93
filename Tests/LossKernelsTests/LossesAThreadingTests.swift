import Foundation
import LossKernels
import LossTestSupport
import Testing

/// The float32 paths of poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss (threaded
/// chunks) and ctc_loss (threaded samples) on jobs large enough to split: the same answer on one
/// thread and on two, the float64 (Double) path's answer within float32 rounding, and gradient
/// statistics that describe the gradients returned.
struct LossesAThreadingTests {
    static let rows = 64, columns = 1024

    static func jobs() -> [LossJob] {
        var g = SeededGenerator(seed: 3)
        let shape = [rows, columns], n = rows * columns
        func f32(_ values: [Double]) -> Tensor { Tensor(shape: shape, float32: values.map { Float($0) }) }
        let signs = (0..<n).map { _ in Bool.random(using: &g) ? 1.0 : -1.0 }
        let (frames, batch, classes) = (40, 256, 8)  // enough work to split (ParallelRows.parts)
        var lp = g.doubles(frames * batch * classes)
        for start in stride(from: 0, to: lp.count, by: classes) {
            let lse = log(lp[start..<(start + classes)].reduce(0) { $0 + exp($1) })
            for c in start..<(start + classes) { lp[c] -= lse }
        }
        let targets = (0..<(batch * 5)).map { _ in Int64.random(in: 1..<Int64(classes), using: &g) }
        return [
            LossJob(name: .poissonNLLLoss, input: f32(g.doubles(n, in: -2...2)), target: f32(g.doubles(n, in: 0...6))),
            LossJob(name: .gaussianNLLLoss, tensors: [
                "input": f32(g.doubles(n)), "target": f32(g.doubles(n)), "var": f32(g.doubles(n, in: 0.1...2)),
            ]),
            LossJob(name: .marginRankingLoss, tensors: [
                "input1": f32(g.doubles(n)), "input2": f32(g.doubles(n)), "target": f32(signs),
            ]),
            LossJob(name: .ctcLoss, tensors: [
                "log_probs": Tensor(shape: [frames, batch, classes], float32: lp.map { Float($0) }),
                "targets": Tensor(shape: [batch, 5], int64: targets),
                "input_lengths": Tensor(shape: [batch], int64: (0..<batch).map { Int64(10 + $0 % 11) }),
                "target_lengths": Tensor(shape: [batch], int64: (0..<batch).map { Int64($0 % 6) }),
            ]),
        ]
    }

    @Test(arguments: ["poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss", "ctc_loss"])
    func float32Path_SameOnOneAndTwoThreads_AndCloseToFloat64(_ loss: String) throws {
        let job = try #require(Self.jobs().first { $0.name.rawValue == loss })
        var one = job
        one.maxThreads = 1
        let single = try Loss.compute(one), double = try Loss.compute(job)
        #expect(single.value.doubles == double.value.doubles)
        #expect(single.gradients.map(\.tensor.doubles) == double.gradients.map(\.tensor.doubles))
        let all = double.gradients.flatMap(\.tensor.doubles)
        let norm = all.reduce(0) { $0 + $1 * $1 }.squareRoot(), largest = all.map(abs).max() ?? 0
        #expect(abs(double.diagnostics.stat("grad_l2_norm")! - norm) <= 1e-12 * norm)
        #expect(double.diagnostics.stat("grad_max_abs") == largest)
        var wide = job
        wide.options.dtype = .float64
        let reference = try Loss.compute(wide)
        let valueMismatch = Closeness.firstMismatch(
            expected: reference.value.doubles, observed: double.value.doubles, relative: 1e-6, absolute: 1e-7)
        #expect(valueMismatch == nil, "\(job.name) value: \(valueMismatch ?? "")")
        for (f32, f64) in zip(double.gradients, reference.gradients) {
            let mismatch = Closeness.firstMismatch(
                expected: f64.tensor.doubles, observed: f32.tensor.doubles, relative: 1e-5, absolute: 1e-9)
            #expect(mismatch == nil, "\(job.name) \(f32.name): \(mismatch ?? "")")
        }
    }
}
