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
            TensorSpec("var", .floating, differentiable: true,
                       "variances >= 0: the input's shape, without its last dimension, or with one dimension of size 1"),
        ],
        options: [.full, .gaussianEps]
    ) { job, _ throws(LossError) in try Loss.gaussianNLL(job) }
}

extension Loss {
    static func gaussianNLL(_ job: LossJob) throws(LossError) -> Computed {
        let input = job.input, varTensor = job.tensor("var")
        let x = try Validation.floats(input, "input")
        let y = try Validation.broadcast(job.target, "target", to: input.shape)
        let v = try Validation.floats(varTensor, "var")
        for i in v.indices where v[i] < 0 {
            throw .element(.invalidTensor, "var", flat: i, shape: varTensor.shape, "var has negative entry \(v[i])")
        }
        let aligned = try varShape(varTensor.shape, input: input.shape)
        let eps = job.options.real(.gaussianEps)
        var clamped = WarningCollector(.varClamped)
        var vc = v
        for i in v.indices where v[i] < eps {
            clamped.hit(i)
            vc[i] = eps
        }
        let constant = job.options.boolean(.full) ? 0.5 * log(2 * Double.pi) : 0
        let pairs = PairedGradients(
            first: ("input", input.shape),
            second: ("var", varTensor.shape, PairedGradients.broadcastIndex(aligned, to: input.shape)))
        let index = pairs.second.index
        var computed = try pairs.run(job) { i in
            let vi = vc[index?[i] ?? i], d = x[i] - y[i]
            return (0.5 * (log(vi) + d * d / vi) + constant, d / vi, 0.5 * (1 / vi - d * d / (vi * vi)))
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
