import Glibc

/// ctc_loss (PyTorch's native CPU kernel and `ctc_loss_impl` reduction): log_probs (T, N, C) or
/// unbatched (T, C); targets padded (N, S) or concatenated 1-D (sum of target_lengths elements);
/// input_lengths and target_lengths with one element per sample.
///
/// ```
/// loss_n = -log p(target_n | log_probs[:input_length_n, n])      (recursion: CTCAlignment)
/// none: loss_n;  sum: sum of loss_n;  mean: mean over n of loss_n / max(target_length_n, 1)
/// zero_infinity: infinite losses and their gradients become 0
/// ```
/// Safe mode zeroes every sample whose loss is infinite (as zero_infinity does) and warns
/// INFEASIBLE_ALIGNMENT; PyTorch without zero_infinity answers inf and NaN gradients there.
extension LossName {
    /// `torch.nn.functional.ctc_loss`.
    public static let ctcLoss = LossName(declaring: "ctc_loss")
}

extension LossOption {
    /// ctc_loss's `blank` class (default 0).
    public static let blank = LossOption("blank", default: .int(0), .integer(0...Int64.max), "index of the blank class")
    /// ctc_loss's `zero_infinity` (default false).
    public static let zeroInfinity = LossOption(
        "zero_infinity", default: .bool(false), .boolean, "infinite losses and their gradients become 0")
}

extension LossDescriptor {
    static let ctcLoss = LossDescriptor(
        name: .ctcLoss, summary: "connectionist temporal classification loss of log-probabilities",
        tensors: [
            TensorSpec("log_probs", .floating, differentiable: true, "log-probabilities (T, N, C) or (T, C)"),
            TensorSpec("targets", .classIndices,
                       "class indices other than blank, padded (N, S) or concatenated (sum of target_lengths)"),
            TensorSpec("input_lengths", .lengths, "frames of each sample, each <= T: (N), or () unbatched"),
            TensorSpec("target_lengths", .lengths, "target length of each sample: (N), or () unbatched"),
        ],
        options: [.blank, .zeroInfinity]
    ) { job, _ throws(LossError) in try Loss.ctc(job) }
}

extension Loss {
    static func ctc(_ job: LossJob) throws(LossError) -> Computed {
        let o = job.options
        let problem = try CTCProblem(job)
        let (n, frames, classes) = (problem.batch, problem.frames, problem.classes)
        let (g, gPer) = try Validation.gradOutput(
            job.gradOutput, valueShape: o.reduction != .none ? [] : problem.batched ? [n] : [])
        let zeroInfinity = o.boolean(.zeroInfinity)
        let logProbs = job.tensor("log_probs")
        guard logProbs.isFloatingPoint else {
            throw LossError(kind: .invalidTensor, field: "log_probs", detail: "log_probs must be float32 or float64, got int64")
        }
        /// The upstream gradient of sample `b`'s loss.
        let upstream: (Int) -> Double = { b in
            switch o.reduction {
            case .none: gPer?[b] ?? g
            case .mean: g / Double(n) / Double(Swift.max(problem.targetLengths[b], 1))
            case .sum, .batchmean: g
            }
        }
        let samples = logProbs.withFloat32Elements { lp in
            CTCSamples.run(lp, problem, job, zeroInfeasible: zeroInfinity || o.compat == .safe, upstream: upstream) {
                Tensor(shape: logProbs.shape, float32: $0)
            }
        } ?? logProbs.doubles.withUnsafeBufferPointer { lp in
            CTCSamples.run(lp, problem, job, zeroInfeasible: zeroInfinity || o.compat == .safe, upstream: upstream) {
                Tensor(shape: logProbs.shape, float64: $0)
            }
        }
        let nll = samples.nll
        var infeasible = [Int](), stats = RunningStats()
        var normalized = WarningCollector(.inputNotLogProbabilities)
        for b in 0..<n {
            if samples.infinite[b] { infeasible.append(b) } else { stats.add(nll[b]) }
        }
        for r in samples.notNormalized.indices where samples.notNormalized[r] { normalized.hit(r) }
        let emptyMean = o.reduction == .mean && n == 0
        let value: Tensor
        switch o.reduction {
        case .none:
            value = ResultAssembly.tensor(problem.batched ? [n] : [], nll, o.dtype)
        case .sum, .batchmean:
            value = ResultAssembly.tensor([], [nll.reduce(0, +)], o.dtype)
        case .mean:
            var sum = 0.0
            for b in 0..<n { sum += nll[b] / Double(Swift.max(problem.targetLengths[b], 1)) }
            value = ResultAssembly.tensor(
                [], [ResultAssembly.reduce(sum: sum, denominator: Double(n), .mean, pytorch: o.compat == .pytorch)], o.dtype)
        }
        var d = Diagnostics()
        d.counts = [.init("samples", .int(n)), .init("frames", .int(frames)), .init("classes", .int(classes)),
                    .init("infeasible", .int(infeasible.count))]
        ResultAssembly.stat(&d, "loss_min", stats.min, if: stats.count > 0)
        ResultAssembly.stat(&d, "loss_max", stats.max, if: stats.count > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.mean, if: stats.count > 0)
        if samples.grad != nil {
            ResultAssembly.gradStats(&d, sumSquares: samples.gradSumSquares, maxAbs: samples.gradMaxAbs)
        }
        if !infeasible.isEmpty {
            d.warnings.append(LossWarning(.infeasibleAlignment, count: infeasible.count,
                                          examples: Array(infeasible.prefix(PositionSample.maxExamples))))
        }
        if let warning = normalized.warning { d.warnings.append(warning) }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        return Computed(
            result: LossResult(value: value, gradients: samples.grad.map { [NamedTensor("log_probs", $0)] } ?? [],
                               diagnostics: d),
            safeDiffersFromPyTorch: o.compat == .safe && ((!infeasible.isEmpty && !zeroInfinity) || emptyMean))
    }
}
