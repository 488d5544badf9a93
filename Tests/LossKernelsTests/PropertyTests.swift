import LossKernels
import LossTestSupport
import Testing

/// Properties over random shapes and options (seeded, so failures replay).
struct PropertyTests {
    /// A random cross-entropy job: (N, C) or (N, C, d) or (C), random weight / ignore / reduction /
    /// temperature; some rows masked with -inf or entirely -inf / NaN when `hostile`.
    static func randomJob(_ g: inout SeededGenerator, dtype: DType, smoothing: Bool, hostile: Bool) -> LossJob {
        let classes = Int.random(in: 2...40, using: &g)
        let n = Int.random(in: 1...8, using: &g)
        let kind = Int.random(in: 0...2, using: &g)
        let shape = kind == 0 ? [n, classes] : kind == 1 ? [n, classes, Int.random(in: 1...3, using: &g)] : [classes]
        var x = g.doubles(shape.reduce(1, *), in: -6...6)
        if hostile {
            for i in x.indices where Double.random(in: 0..<1, using: &g) < 0.1 { x[i] = -.infinity }
            let row = Int.random(in: 0..<(x.count / classes), using: &g)
            if shape.count == 2 { for c in 0..<classes { x[row * classes + c] = Bool.random(using: &g) ? -.infinity : .nan } }
        }
        let positions = shape.count == 1 ? [] : [n] + shape.dropFirst(2)
        var o = LossOptions()
        o.dtype = dtype
        o.reduction = [Reduction.none, .mean, .sum].randomElement(using: &g)!
        try! o.set(.temperature, to: .double(Bool.random(using: &g) ? 1 : Double.random(in: 0.5...3, using: &g)))
        if smoothing {
            try! o.set(.labelSmoothing, to: .double(Double.random(in: 0...0.3, using: &g)))
            try! o.set(.zLoss, to: .double(Bool.random(using: &g) ? 0 : 0.01))
        }
        let weight = Bool.random(using: &g) ? g.tensor([classes], in: 0.1...2) : nil
        let target = g.classes(positions, classes: classes, ignored: hostile ? 0.4 : 0.2)
        return LossJob(name: .crossEntropy, input: Tensor(shape: shape, float64: x), target: target, weight: weight,
                       options: o)
    }

    @Test func crossEntropyGradientRows_SumToZero_WithoutSmoothingOrZLoss() throws {
        var g = SeededGenerator(seed: 11)
        for trial in 0..<200 {
            let dtype: DType = trial % 2 == 0 ? .float64 : .float32
            let job = Self.randomJob(&g, dtype: dtype, smoothing: false, hostile: false)
            let grad = try #require(try Loss.compute(job).grad).doubles
            let shape = job.input.shape
            let classes = shape.count == 1 ? shape[0] : shape[1]
            let inner = shape.count <= 2 ? 1 : shape[2]
            let scale = grad.reduce(0) { max($0, abs($1)) }
            for row in 0..<(grad.count / classes) {
                let start = (row / inner) * classes * inner + row % inner
                let s = (0..<classes).reduce(0.0) { $0 + grad[start + $1 * inner] }
                let tolerance = (dtype == .float64 ? 1e-14 : 1e-6) * Double(classes) * max(scale, 1e-30)
                #expect(abs(s) <= tolerance, "trial \(trial) row \(row): sum \(s)")
            }
        }
    }

    @Test func safeAndPyTorchModes_AgreeWherePyTorchIsFinite() throws {
        var g = SeededGenerator(seed: 12)
        var differences = 0
        for trial in 0..<200 {
            var job = Self.randomJob(&g, dtype: trial % 2 == 0 ? .float64 : .float32, smoothing: true, hostile: true)
            job.options.compat = .pytorch
            let torch = try Loss.compute(job)
            job.options.compat = .safe
            let safe = try Loss.compute(job)
            for (t, s) in zip(torch.value.doubles + torch.grad!.doubles, safe.value.doubles + safe.grad!.doubles) {
                if t.isFinite { #expect(t == s, "trial \(trial)") } else if t != s && !(t.isNaN && s.isNaN) { differences += 1 }
            }
            // Where safe differs it says so.
            if !safe.diagnostics.pytorch.isEmpty {
                #expect(safe.diagnostics.warnings.contains { ["IGNORED_ROW_NONFINITE", "ALL_TARGETS_IGNORED", "ZERO_WEIGHT_SUM"].contains($0.code) })
            }
        }
        #expect(differences > 0, "the hostile inputs should exercise the safe mode")
    }

    /// The float32 fused kernel (vector exp, lane accumulators, two threads for big batches:
    /// 70 x 3900 is above the 2^18-element threading threshold) agrees with the Double reference path.
    /// `inner` > 1 is a K-dimensional (rows, classes, inner) input, transposed for the kernel.
    @Test(arguments: [(3, 37, 1), (5, 3000, 1), (70, 3900, 1), (2, 16, 1), (3, 37, 5)])
    func fusedFloat32Kernel_MatchesDoubleReference(rows: Int, classes: Int, inner: Int) throws {
        var g = SeededGenerator(seed: UInt64(rows * classes))
        var x = g.doubles(rows * classes * inner, in: -20...20).map { Double(Float($0)) }
        x[1] = -.infinity
        if rows > 2 { for c in 0..<classes { x[2 * classes * inner + c * inner] = .nan } }
        let shape = inner == 1 ? [rows, classes] : [rows, classes, inner]
        let positions = inner == 1 ? [rows] : [rows, inner]
        let configurations = [(0.1, true, 2.5, 0.02), (0.0, false, 1.0, 0.0), (0.2, false, 0.7, 0.0)]
        for (smoothing, weighted, temperature, zLoss) in configurations.prefix(rows * classes > 100_000 ? 1 : 3) {
            var o = LossOptions()
            try o.set(.labelSmoothing, to: .double(smoothing))
            try o.set(.temperature, to: .double(temperature))
            try o.set(.zLoss, to: .double(zLoss))
            o.reduction = .none
            let weight = weighted ? Tensor(shape: [classes], float32: g.doubles(classes, in: 0.1...2).map { Float($0) }) : nil
            let target = g.classes(positions, classes: classes, ignored: 0.2)
            var job = LossJob(name: .crossEntropy, input: Tensor(shape: shape, float32: x.map { Float($0) }),
                              target: target, weight: weight, options: o)
            let fused = try Loss.compute(job)
            job.options.dtype = .float64
            let reference = try Loss.compute(job)
            let valueMismatch = Closeness.firstMismatch(expected: reference.value.doubles, observed: fused.value.doubles,
                                                        relative: 1e-5, absolute: 1e-6)
            #expect(valueMismatch == nil, "\(valueMismatch ?? "")")
            let gradMismatch = Closeness.firstMismatch(expected: reference.grad!.doubles, observed: fused.grad!.doubles,
                                                       relative: 1e-5, absolute: 1e-6)
            #expect(gradMismatch == nil, "\(gradMismatch ?? "")")
            for key in ["accuracy", "mean_confidence", "mean_entropy", "perplexity", "grad_l2_norm", "grad_max_abs"] {
                let r = try #require(reference.diagnostics.stat(key)), f = try #require(fused.diagnostics.stat(key))
                #expect(Closeness.matches(r, f, relative: 1e-4, absolute: 1e-6), "\(key): \(f) vs \(r)")
            }
            #expect(fused.diagnostics.counts == reference.diagnostics.counts)
        }
    }
}

/// Two threads share rows through a queue; the answer must not depend on scheduling.
@Test func fusedKernel_IsDeterministicAcrossRuns() throws {
    var g = SeededGenerator(seed: 99)
    let job = LossJob(name: .crossEntropy, input: Tensor(shape: [90, 3000], float32: g.doubles(270_000).map { Float($0) }),
                      target: g.classes([90], classes: 3000, ignored: 0.1))
    let first = try Loss.compute(job)
    for _ in 0..<2 {
        let again = try Loss.compute(job)
        #expect(again.value.doubles == first.value.doubles)
        #expect(again.grad!.doubles == first.grad!.doubles)
        #expect(again.diagnostics == first.diagnostics)
    }
}
