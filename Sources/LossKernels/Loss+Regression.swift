/// mse_loss, l1_loss, smooth_l1_loss, huber_loss with d = x - y (PyTorch CPU kernels).
///
/// ```
/// mse:        d^2                                        2 d
/// l1:         |d|                                        sign(d), 0 at 0
/// smooth_l1:  |d| < b ? 0.5 d^2 / b : |d| - 0.5 b        d <= -b ? -1 : d >= b ? 1 : d / b
///             (b = 0 is l1_loss, as torch.nn.functional routes it)
/// huber:      |d| < k ? 0.5 d^2 : k (|d| - 0.5 k)        d <= -k ? -k : d >= k ? k : d
/// ```
extension LossName {
    /// `torch.nn.functional.mse_loss`.
    public static let mseLoss = LossName(declaring: "mse_loss")
    /// `torch.nn.functional.l1_loss`.
    public static let l1Loss = LossName(declaring: "l1_loss")
    /// `torch.nn.functional.smooth_l1_loss`.
    public static let smoothL1Loss = LossName(declaring: "smooth_l1_loss")
    /// `torch.nn.functional.huber_loss`.
    public static let huberLoss = LossName(declaring: "huber_loss")
}

extension LossOption {
    public static let beta = LossOption(
        "beta", default: .double(1), .real(.atLeast(0)), "threshold >= 0 (0 is l1_loss)")
    public static let delta = LossOption(
        "delta", default: .double(1), .real(.above(0)), "threshold > 0")
}

extension LossDescriptor {
    /// The tensors of every regression loss: input and a target of its shape.
    static let regressionTensors = [
        TensorSpec("input", .floating, differentiable: true, "predictions"),
        TensorSpec("target", .floating, "values of the input's shape"),
    ]

    static let mseLoss = LossDescriptor(name: .mseLoss, summary: "squared error", tensors: regressionTensors) {
        job, _ throws(LossError) in try Loss.mse(job)
    }
    static let l1Loss = LossDescriptor(name: .l1Loss, summary: "absolute error", tensors: regressionTensors) {
        job, _ throws(LossError) in try Loss.l1(job)
    }
    static let smoothL1Loss = LossDescriptor(
        name: .smoothL1Loss, summary: "quadratic below beta, linear above (beta = 0 is l1_loss)",
        tensors: regressionTensors, options: [.beta]
    ) { job, _ throws(LossError) in try Loss.smoothL1(job) }
    static let huberLoss = LossDescriptor(
        name: .huberLoss, summary: "quadratic below delta, delta-scaled linear above",
        tensors: regressionTensors, options: [.delta]
    ) { job, _ throws(LossError) in try Loss.huber(job) }
}

extension Loss {
    static func mse(_ job: LossJob) throws(LossError) -> Computed {
        try Elementwise(job).run { _, x, y in let d = x - y; return (d * d, 2 * d) }
    }

    static func l1(_ job: LossJob) throws(LossError) -> Computed {
        try Elementwise(job).run { _, x, y in
            let d = x - y
            return (abs(d), d.isNaN ? .nan : d > 0 ? 1 : d < 0 ? -1 : 0)
        }
    }

    static func smoothL1(_ job: LossJob) throws(LossError) -> Computed {
        let beta = job.options.real(.beta)
        // beta = 0 is l1_loss, as torch.nn.functional routes it.
        guard beta > 0 else { return try l1(job) }
        return try Elementwise(job).run { _, x, y in
            let d = x - y, z = abs(d)
            let l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
            return (l, d <= -beta ? -1 : d >= beta ? 1 : d / beta)
        }
    }

    static func huber(_ job: LossJob) throws(LossError) -> Computed {
        let delta = job.options.real(.delta)
        return try Elementwise(job).run { _, x, y in
            let d = x - y, z = abs(d)
            let l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
            return (l, d <= -delta ? -delta : d >= delta ? delta : d)
        }
    }
}
