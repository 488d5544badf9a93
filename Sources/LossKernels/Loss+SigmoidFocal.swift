import Glibc

/// sigmoid_focal_loss with torchvision.ops semantics:
///
/// ```
/// p = sigmoid(x),  ce = bce_with_logits(x, y),  p_t = p y + (1 - p)(1 - y)
/// l = a_t * ce * (1 - p_t)^gamma,   a_t = alpha y + (1 - alpha)(1 - y)  (a_t = 1 if alpha < 0)
/// dl/dx = a_t * [ (p - y) (1 - p_t)^gamma - ce * gamma (1 - p_t)^(gamma - 1) * p (1 - p) (2y - 1) ]
/// ```
/// (the second term is 0 for gamma = 0, as autograd's pow backward makes it; for 0 < gamma < 1 at
/// a saturated logit, 1 - p_t = 0, PyTorch's pow backward gives inf * 0 = NaN: safe mode answers
/// the limit, 0, and both modes warn SATURATED_FOCAL_GRADIENT).
extension LossName {
    /// `torchvision.ops.sigmoid_focal_loss`.
    public static let sigmoidFocalLoss = LossName(declaring: "sigmoid_focal_loss")
}

extension LossOption {
    public static let alpha = LossOption(
        "alpha", default: .double(0.25), .real(.atMost(1)), "positive-class balance; negative disables")
    public static let gamma = LossOption("gamma", default: .double(2), .real(.atLeast(0)), "focusing exponent >= 0")
}

extension LossDescriptor {
    static let sigmoidFocalLoss = LossDescriptor(
        name: .sigmoidFocalLoss, summary: "torchvision.ops.sigmoid_focal_loss of logits",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "logits"),
            TensorSpec("target", .floating, "binary labels (0 or 1, or soft) of the input's shape"),
        ],
        options: [.alpha, .gamma]
    ) { job, _ throws(LossError) in try Loss.sigmoidFocal(job) }
}

extension Loss {
    static func sigmoidFocal(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        let alpha = job.options.real(.alpha), gamma = job.options.real(.gamma)
        let pytorch = job.options.compat == .pytorch
        // (1 - p_t)^(gamma - 1) is infinite and dp_t is 0 where p_t = 1 and 0 < gamma < 1:
        // PyTorch's gradient is NaN there, its limit 0.
        func saturates(_ x: Double, _ y: Double) -> Bool {
            let p = sigmoid(x)
            return gamma > 0 && gamma < 1 && 1 - (p * y + (1 - p) * (1 - y)) == 0
        }
        let saturated = Elementwise.Flag(code: .saturatedFocalGradient) { _, x, y in saturates(x, y) }
        var computed = try e.run(probability: sigmoid, flag: job.computeGradient ? saturated : nil) { i, x, y in
            let p = sigmoid(x)
            let ce = (1 - y) * x - logSigmoid(x)
            let pt = p * y + (1 - p) * (1 - y)
            let m = pow(1 - pt, gamma)
            let at = alpha >= 0 ? alpha * y + (1 - alpha) * (1 - y) : 1
            let dpt = p * (1 - p) * (y - (1 - y))
            let dm: Double
            if gamma == 0 {
                dm = 0
            } else if gamma < 1 && 1 - pt == 0 {
                dm = pytorch ? gamma * pow(1 - pt, gamma - 1) * -dpt : 0
            } else {
                dm = gamma * pow(1 - pt, gamma - 1) * -dpt
            }
            return (at * (ce * m), at * ((p - y) * m + ce * dm))
        }
        if computed.result.diagnostics.warnings.contains(where: { $0.code == WarningCode.saturatedFocalGradient.code }) {
            computed.safeDiffersFromPyTorch = computed.safeDiffersFromPyTorch || !pytorch
        }
        return computed
    }
}
