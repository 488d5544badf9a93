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
    /// Tolerance of the log-softmax check: a frame's exp(log_probs) must sum to 1 within it.
    static let ctcNormalizationTolerance = 1e-3

    static func ctc(_ job: LossJob) throws(LossError) -> Computed {
        let o = job.options
        let problem = try CTCProblem(job)
        let (n, frames, classes) = (problem.batch, problem.frames, problem.classes)
        let (g, gPer) = try Validation.gradOutput(
            job.gradOutput, valueShape: o.reduction != .none ? [] : problem.batched ? [n] : [])
        let zeroInfinity = o.boolean(.zeroInfinity)
        let zeroInfeasible = zeroInfinity || o.compat == .safe
        let x = try Validation.floats(job.tensor("log_probs"), "log_probs")
        let emptyMean = o.reduction == .mean && n == 0
        var nll = [Double](repeating: 0, count: n)
        var grad = job.computeGradient ? [Double](repeating: 0, count: x.count) : []
        var infinite = [Bool](repeating: false, count: n)
        var rowsNotNormalized = [Bool](repeating: false, count: frames * n)
        x.withUnsafeBufferPointer { lp in
            let alignment = CTCAlignment(logProbs: lp, batch: n, classes: classes, blank: problem.blank)
            let queue = ChunkQueue(count: n)
            nll.withUnsafeMutableBufferPointer { nll in
                infinite.withUnsafeMutableBufferPointer { infinite in
                grad.withUnsafeMutableBufferPointer { grad in
                    rowsNotNormalized.withUnsafeMutableBufferPointer { rows in
                        let work = frames * n * (classes + 4 * problem.longestTarget + 2)
                        let parts = ParallelRows.parts(rows: n, work: work, maxThreads: job.maxThreads)
                        ParallelRows.run(parts: parts) { _ in
                            var scratch = CTCAlignment.Scratch()
                            while let b = queue.next() {
                                let target = problem.target(b), length = problem.inputLengths[b]
                                for t in 0..<length where !Self.isLogSoftmaxed(lp, (t * n + b) * classes, classes) {
                                    rows[t * n + b] = true
                                }
                                let loss = alignment.negativeLogLikelihood(b, target: target, frames: length, &scratch)
                                infinite[b] = loss == .infinity
                                let zeroed = loss == .infinity && zeroInfeasible
                                nll[b] = zeroed ? 0 : loss
                                guard job.computeGradient, !zeroed else { continue }
                                let upstream = switch o.reduction {
                                case .none: gPer?[b] ?? g
                                case .mean: g / Double(n) / Double(Swift.max(target.count, 1))
                                case .sum, .batchmean: g
                                }
                                alignment.gradient(b, target: target, frames: length, nll: loss, upstream: upstream,
                                                   &scratch, into: grad)
                            }
                        }
                    }
                }
                }
            }
        }
        var infeasible = [Int](), stats = RunningStats(), sumSquares = 0.0, maxAbs = 0.0
        var normalized = WarningCollector(.inputNotLogProbabilities)
        for b in 0..<n {
            if infinite[b] { infeasible.append(b) } else { stats.add(nll[b]) }
        }
        for r in rowsNotNormalized.indices where rowsNotNormalized[r] { normalized.hit(r) }
        for v in grad {
            sumSquares += v * v
            maxAbs = Swift.max(maxAbs, abs(v))
        }
        var mean = 0.0
        for b in 0..<n { mean += nll[b] / Double(Swift.max(problem.targetLengths[b], 1)) }
        let value: Tensor
        switch o.reduction {
        case .none:
            value = ResultAssembly.tensor(problem.batched ? [n] : [], nll, o.dtype)
        case .sum, .batchmean:
            value = ResultAssembly.tensor([], [nll.reduce(0, +)], o.dtype)
        case .mean:
            value = ResultAssembly.tensor(
                [], [ResultAssembly.reduce(sum: mean, denominator: Double(n), .mean, pytorch: o.compat == .pytorch)],
                o.dtype)
        }
        var d = Diagnostics()
        d.counts = [.init("samples", .int(n)), .init("frames", .int(frames)), .init("classes", .int(classes)),
                    .init("infeasible", .int(infeasible.count))]
        ResultAssembly.stat(&d, "loss_min", stats.min, if: stats.count > 0)
        ResultAssembly.stat(&d, "loss_max", stats.max, if: stats.count > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.mean, if: stats.count > 0)
        if job.computeGradient { ResultAssembly.gradStats(&d, sumSquares: sumSquares, maxAbs: maxAbs) }
        if !infeasible.isEmpty {
            d.warnings.append(LossWarning(.infeasibleAlignment, count: infeasible.count,
                                          examples: Array(infeasible.prefix(PositionSample.maxExamples))))
        }
        if let warning = normalized.warning { d.warnings.append(warning) }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let gradients = job.computeGradient
            ? [NamedTensor("log_probs", ResultAssembly.tensor(job.tensor("log_probs").shape, grad, o.dtype))] : []
        return Computed(
            result: LossResult(value: value, gradients: gradients, diagnostics: d),
            safeDiffersFromPyTorch: o.compat == .safe && ((!infeasible.isEmpty && !zeroInfinity) || emptyMean))
    }

    /// Whether the row of `classes` log-probabilities at `start` is a log_softmax output: no
    /// positive entry and exp summing to 1 (within `ctcNormalizationTolerance`).
    private static func isLogSoftmaxed(_ lp: UnsafeBufferPointer<Double>, _ start: Int, _ classes: Int) -> Bool {
        var sum = 0.0
        for c in 0..<classes {
            let v = lp[start + c]
            if v > ctcNormalizationTolerance { return false }
            sum += exp(v)
        }
        return abs(sum - 1) <= ctcNormalizationTolerance
    }
}
