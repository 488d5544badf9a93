import Glibc

/// gaussian_nll_loss (PyTorch's composite in torch.nn.functional).
///
/// ```
/// v = max(var, eps)   (clamped under no_grad: the clamp is not differentiated, so a clamped
///                      var still gets the derivative below, evaluated at eps)
/// l = 0.5 (log v + (x - y)^2 / v)  (+ 0.5 log(2 pi) with full)
/// dl/dx = (x - y) / v,   dl/dvar = 0.5 (1 / v - (x - y)^2 / v^2)
/// ```
/// var has the input's shape, or the input's shape without its last dimension, or the input's
/// rank with exactly one differing dimension where var has size 1 (torch's rules); its gradient
/// sums over the elements it was broadcast to. The target broadcasts to the input.
extension LossName {
    /// `torch.nn.functional.gaussian_nll_loss`.
    public static let gaussianNLLLoss = LossName(declaring: "gaussian_nll_loss")
}

extension LossOption {
    /// gaussian_nll_loss and poisson_nll_loss's `full` (constant / Stirling term).
    public static let full = LossOption("full", default: .bool(false), .boolean, "add the constant (Stirling) term")
    /// gaussian_nll_loss's `eps` (default 1e-6): var is clamped to it.
    public static let gaussianEps = LossOption("eps", default: .double(1e-6), .real(.atLeast(0)), "var is clamped to eps")
}

extension LossDescriptor {
    static let gaussianNLLLoss = LossDescriptor(
        name: .gaussianNLLLoss, summary: "Gaussian negative log likelihood with predicted variance",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "predicted means"),
            TensorSpec("target", .floating, "samples, broadcastable to the input"),
            TensorSpec("var", .floating, differentiable: true, values: .nonNegative,
                       "variances >= 0: the input's shape, without its last dimension, or with one dimension of size 1"),
        ],
        options: [.full, .gaussianEps]
    ) { job, _ throws(LossError) in try Loss.gaussianNLL(job) }
}

extension Loss {
    static func gaussianNLL(_ job: LossJob) throws(LossError) -> Computed {
        let input = job.input, variance = job.tensor("var")
        let eps = job.options.real(.gaussianEps)
        let operands = [
            try PointwiseLoss.operand(input, "input", broadcastTo: input.shape),
            try PointwiseLoss.operand(job.target, "target", broadcastTo: input.shape),
            try PointwiseLoss.operand(variance, "var", broadcastTo: input.shape,
                                      aligned: try varShape(variance.shape, input: input.shape)),
        ]
        var clamped = WarningCollector(.varClamped)
        try PointwiseLoss.scan(variance) { i, v throws(LossError) in
            guard !(v < 0) else {
                throw .element(.invalidTensor, "var", flat: i, shape: variance.shape, "var has negative entry \(v)")
            }
            if v < eps { clamped.hit(i) }
        }
        let constant = job.options.boolean(.full) ? 0.5 * log(2 * Double.pi) : 0
        let loss = PointwiseLoss(shape: input.shape, operands: operands,
                                 gradients: [.init(name: "input", operand: 0), .init(name: "var", operand: 2)])
        // float32 jobs take the log in float32, as PyTorch does; the rest stays Double.
        let single = job.options.dtype == .float32
        var computed = try loss.run(job) { x, y, v in
            let vc = v < eps ? eps : v, d = x - y
            let logVar = single ? Double(logf(Float(vc))) : log(vc)
            return (0.5 * (logVar + d * d / vc) + constant, d / vc, 0.5 * (1 / vc - d * d / (vc * vc)))
        }
        if let warning = clamped.warning { computed.result.diagnostics.warnings.append(warning) }
        return computed
    }

    /// var's shape aligned to the input's rank, by torch's rules.
    private static func varShape(_ shape: [Int], input: [Int]) throws(LossError) -> [Int] {
        if shape == input { return shape }
        if !input.isEmpty && Array(input.dropLast()) == shape { return shape + [1] }
        if shape.count == input.count {
            let differing = zip(input, shape).filter { $0 != $1 }
            if differing.count == 1 && differing[0].1 == 1 { return shape }
        }
        throw LossError(kind: .shapeMismatch, field: "var",
                        detail: "var is of incorrect size \(shape) for input \(input): it must be the input's shape, "
                            + "that shape without its last dimension, or that shape with one dimension of size 1")
    }
}
