import Glibc

/// hinge_embedding_loss and soft_margin_loss: elementwise losses of an input and a +1/-1 target
/// of its shape (PyTorch CPU formulas; mean divides by numel).
///
/// ```
/// hinge_embedding:  y = 1: l = x                      dl/dx = 1
///                   y = -1: l = max(0, margin - x)    dl/dx = -1 where margin - x > 0 (0 at the kink,
///                                                     as PyTorch's backward gives)
/// soft_margin:      l = log1p(exp(-y x))              dl/dx = -y z / (1 + z), z = exp(-y x)
/// ```
extension LossName {
    /// `torch.nn.functional.hinge_embedding_loss`.
    public static let hingeEmbeddingLoss = LossName(declaring: "hinge_embedding_loss")
    /// `torch.nn.functional.soft_margin_loss`.
    public static let softMarginLoss = LossName(declaring: "soft_margin_loss")
}

extension LossOption {
    /// hinge_embedding_loss's `margin`.
    public static let hingeMargin = LossOption(
        "margin", default: .double(1), .real(.all), "the loss of a -1 target is max(0, margin - input)")
}

extension LossDescriptor {
    /// input and a +1/-1 target of its shape.
    private static let signTargetTensors = [
        TensorSpec("input", .floating, differentiable: true, "scores (a distance for hinge_embedding_loss)"),
        TensorSpec("target", .floating, values: .signs, "1 or -1, of the input's shape"),
    ]

    static let hingeEmbeddingLoss = LossDescriptor(
        name: .hingeEmbeddingLoss, summary: "input for +1 targets, max(0, margin - input) for -1 targets",
        tensors: signTargetTensors, options: [.hingeMargin]
    ) { job, _ throws(LossError) in try Loss.hingeEmbedding(job) }

    static let softMarginLoss = LossDescriptor(
        name: .softMarginLoss, summary: "two-class logistic loss log(1 + exp(-target * input))",
        tensors: signTargetTensors
    ) { job, _ throws(LossError) in try Loss.softMargin(job) }
}

extension Loss {
    static func hingeEmbedding(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        try Validation.requireSigns(job.target)
        let margin = job.options.real(.hingeMargin)
        let marginLanes = FloatLanes(repeating: Float(margin))
        return try e.run(lanes: { x, y in
            let z = marginLanes - x
            var (l, d) = (z, FloatLanes(repeating: -1))
            l.replace(with: 0, where: .!(z .> 0))
            d.replace(with: 0, where: .!(z .> 0))
            let positive = y .== 1
            l.replace(with: x, where: positive)
            d.replace(with: 1, where: positive)
            return (l, d)
        }) { _, x, y in
            if y == 1 { return (x, 1) }
            let z = margin - x
            return (Swift.max(z, 0), z > 0 ? -1 : 0)
        }
    }

    static func softMargin(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        try Validation.requireSigns(job.target)
        // float32 jobs take exp and log1p in float32, as PyTorch does (libm's Double ones took
        // twice the time).
        let single = job.options.dtype == .float32
        return try e.run(lanes: { x, y in
            let z = vectorExpAnywhere(-y * x)
            return (vectorLog1p(z), -y * z / (1 + z))
        }) { _, x, y in
            let z = single ? Double(expf(Float(-y * x))) : exp(-y * x)
            return (single ? Double(log1pSingle(Float(z))) : log1p(z), -y * z / (1 + z))
        }
    }
}
