import Glibc

/// poisson_nll_loss (PyTorch's `at::poisson_nll_loss`).
///
/// ```
/// log_input:   l = exp(x) - y x                 dl/dx = exp(x) - y
/// otherwise:   l = x - y log(x + eps)           dl/dx = 1 - y / (x + eps)
/// full:        l += y log y - y + 0.5 log(2 pi y)  unless y <= 1 (the Stirling term; no gradient)
/// ```
/// Targets are counts: a negative one is an error naming the element.
extension LossName {
    /// `torch.nn.functional.poisson_nll_loss`.
    public static let poissonNLLLoss = LossName(declaring: "poisson_nll_loss")
}

extension LossOption {
    /// poisson_nll_loss's `log_input` (default true).
    public static let logInput = LossOption("log_input", default: .bool(true), .boolean, "input is the log of the rate")
    /// poisson_nll_loss's `eps` (default 1e-8), added to the rate before its log when log_input is false.
    public static let poissonEps = LossOption(
        "eps", default: .double(1e-8), .real(.atLeast(0)), "added to the rate before its log (log_input false)")
}

extension LossDescriptor {
    static let poissonNLLLoss = LossDescriptor(
        name: .poissonNLLLoss, summary: "Poisson negative log likelihood of a rate (or its log)",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "log-rates (log_input) or rates"),
            TensorSpec("target", .floating, values: .nonNegative, "counts >= 0 of the input's shape"),
        ],
        options: [.logInput, .full, .poissonEps]
    ) { job, _ throws(LossError) in try Loss.poissonNLL(job) }
}

extension Loss {
    /// Rates below this (log_input false) make log(input + eps) depend on eps (negative ones: NaN).
    static let poissonRateNearZero = 1e-4

    static func poissonNLL(_ job: LossJob) throws(LossError) -> Computed {
        let input = job.input, target = job.target
        guard target.shape == input.shape else {
            throw LossError(kind: .shapeMismatch, field: "target",
                            detail: "target size \(target.shape) must be the same as input size \(input.shape)")
        }
        let operands = [
            try PointwiseLoss.operand(input, "input", broadcastTo: input.shape),
            try PointwiseLoss.operand(target, "target", floating: false, broadcastTo: input.shape),
        ]
        try PointwiseLoss.scan(target) { i, y throws(LossError) in
            guard !(y < 0) else {
                throw .element(.invalidTensor, "target", flat: i, shape: target.shape,
                               "poisson_nll_loss targets are counts and must be >= 0, got \(y)")
            }
        }
        let logInput = job.options.boolean(.logInput), full = job.options.boolean(.full)
        let eps = job.options.real(.poissonEps)
        var nearZero = WarningCollector(.poissonInputNearZero)
        if !logInput {
            try PointwiseLoss.scan(input) { i, x throws(LossError) in if x < poissonRateNearZero { nearZero.hit(i) } }
        }
        let loss = PointwiseLoss(shape: input.shape, operands: operands, gradients: [.init(name: "input", operand: 0)])
        // float32 jobs take exp and log in float32, as PyTorch does; the rest stays Double.
        let single = job.options.dtype == .float32
        // float32 lanes (the full Stirling term stays on the element path): exp and log in
        // float32 as PyTorch does.
        let epsLanes = FloatLanes(repeating: Float(eps))
        let lanes: PointwiseLoss.Lanes? = full ? nil : { x, y, _ in
            if logInput {
                let ex = vectorExpAnywhere(x)
                return (ex - y * x, ex - y, FloatLanes())
            }
            let shifted = x + epsLanes
            return (x - y * vectorLog(shifted), 1 - y / shifted, FloatLanes())
        }
        var computed = try loss.run(job, lanes: lanes) { x, y, _ in
            var l: Double, d: Double
            if logInput {
                let ex = single ? Double(expf(Float(x))) : exp(x)
                (l, d) = (ex - y * x, ex - y)
            } else {
                let lx = single ? Double(logf(Float(x + eps))) : log(x + eps)
                (l, d) = (x - y * lx, 1 - y / (x + eps))
            }
            if full && !(y <= 1) { l += y * log(y) - y + 0.5 * log(2 * Double.pi * y) }
            return (l, d, 0)
        }
        if let warning = nearZero.warning { computed.result.diagnostics.warnings.append(warning) }
        return computed
    }
}
