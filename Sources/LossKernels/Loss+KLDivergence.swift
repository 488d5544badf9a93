import Glibc

/// kl_div (PyTorch's composite): input is log q; target p, or log p with log_target.
///
/// ```
/// log_target = false:  l = xlogy(y, y) - y * x     dl/dx = -y      (xlogy(0, y) = 0)
/// log_target = true:   l = exp(y) * (y - x)        dl/dx = -exp(y)
/// ```
/// mean divides by numel; batchmean by input.size(0) (the sum for a 0-d input). Where p = 0 meets
/// an infinite log ratio (input -inf, or a log target of -inf) PyTorch's term is 0 * inf = NaN;
/// safe mode answers the limit, 0, and both modes warn ZERO_TARGET_INFINITE_INPUT.
extension LossName {
    /// `torch.nn.functional.kl_div`.
    public static let klDiv = LossName(declaring: "kl_div")
}

extension LossOption {
    public static let logTarget = LossOption("log_target", default: .bool(false), .boolean, "target given as log p")
}

extension LossDescriptor {
    static let klDiv = LossDescriptor(
        name: .klDiv, summary: "Kullback-Leibler divergence; input is log q",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "log-probabilities log q"),
            TensorSpec("target", .floating, "probabilities p (or log p with log_target) of the input's shape"),
        ],
        options: [.logTarget], reductions: [.none, .mean, .sum, .batchmean]
    ) { job, _ throws(LossError) in try Loss.klDivergence(job) }
}

extension Loss {
    static func klDivergence(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        let logTarget = job.options.boolean(.logTarget)
        let pytorch = job.options.compat == .pytorch
        // p = 0 times an infinite log ratio: PyTorch's term is NaN, its limit is 0.
        let zeroTimesInfinite = Elementwise.Flag(code: .zeroTargetInfiniteInput) { _, x, y in
            logTarget ? (y == -.infinity && x.isFinite) : (y == 0 && x == -.infinity)
        }
        var computed = try e.run(flag: zeroTimesInfinite) { _, x, y in
            let p = logTarget ? exp(y) : y
            if p == 0 && !pytorch { return (0, -p) }
            if logTarget { return (p * (y - x), -p) }
            let xlogy = y.isNaN ? Double.nan : (y == 0 ? 0 : y * log(y))
            return (xlogy - y * x, -y)
        }
        if computed.result.diagnostics.warnings.contains(where: { $0.code == WarningCode.zeroTargetInfiniteInput.code }) {
            computed.safeDiffersFromPyTorch = computed.safeDiffersFromPyTorch || !pytorch
        }
        return computed
    }
}
