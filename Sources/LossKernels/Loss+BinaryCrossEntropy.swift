import Glibc

/// binary_cross_entropy and binary_cross_entropy_with_logits, PyTorch CPU formulas.
///
/// ```
/// BCE:      l = w * ((y - 1) * max(log1p(-x), -100) - y * max(log(x), -100))
///           dl/dx = w * (x - y) / max(x * (1 - x), Float(1e-12))  (the clamp is not differentiated)
/// logits:   lw = 1 + (pw - 1) * y,  l = w * ((1 - y) * x - lw * logsigmoid(x))
///           dl/dx = w * ((pw * y + 1 - y) * sigmoid(x) - pw * y)
/// ```
/// weight and pos_weight broadcast to the input (trailing dimensions aligned, as PyTorch does:
/// a (C) pos_weight on (N, C, H, W) aligns with W).
extension LossName {
    /// `torch.nn.functional.binary_cross_entropy` (log clamped at -100).
    public static let binaryCrossEntropy = LossName(declaring: "binary_cross_entropy")
    /// `torch.nn.functional.binary_cross_entropy_with_logits`.
    public static let binaryCrossEntropyWithLogits = LossName(declaring: "binary_cross_entropy_with_logits")
}

extension LossDescriptor {
    private static let elementWeight = TensorSpec(
        "weight", .floating, required: false, "element weights broadcastable to the input")

    static let binaryCrossEntropy = LossDescriptor(
        name: .binaryCrossEntropy, summary: "binary cross entropy of probabilities in [0, 1], log clamped at -100",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, values: .unitInterval, "probabilities in [0, 1]"),
            TensorSpec("target", .floating, values: .unitInterval, "values in [0, 1] of the input's shape"),
            elementWeight,
        ]
    ) { job, _ throws(LossError) in try Loss.binaryCrossEntropy(job) }

    static let binaryCrossEntropyWithLogits = LossDescriptor(
        name: .binaryCrossEntropyWithLogits, summary: "binary cross entropy of logits (log-sigmoid form)",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "logits"),
            TensorSpec("target", .floating, "values in [0, 1] of the input's shape"),
            elementWeight,
            TensorSpec("pos_weight", .floating, required: false, "positive-class weights broadcastable to the input"),
        ]
    ) { job, _ throws(LossError) in try Loss.binaryCrossEntropyWithLogits(job) }
}

extension Loss {
    static func binaryCrossEntropy(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        try e.requireUnitInterval(job.input, "input")
        try e.requireUnitInterval(job.target, "target")
        let w = try job.weight.map { t throws(LossError) in try Validation.broadcast(t, "weight", to: job.input.shape) }
        // PyTorch's EPSILON is a C++ `float` 1e-12, also for double tensors.
        let epsilon = Double(Float(1e-12))
        return try e.run(
            probability: { $0 },
            flag: .init(code: .logClamped) { _, x, y in (y != 0 && log(x) < -100) || (y != 1 && log1p(-x) < -100) }
        ) { i, x, y in
            let wi = w?[i] ?? 1
            let l = (y - 1) * max(log1p(-x), -100) - y * max(log(x), -100)
            return (l * wi, (x - y) / max((1 - x) * x, epsilon) * wi)
        }
    }

    static func binaryCrossEntropyWithLogits(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        let shape = job.input.shape
        let w = try job.weight.map { t throws(LossError) in try Validation.broadcast(t, "weight", to: shape) }
        let pw = try job.posWeight.map { t throws(LossError) in try Validation.broadcast(t, "pos_weight", to: shape) }
        return try e.run(probability: sigmoid) { i, x, y in
            let wi = w?[i] ?? 1
            let l: Double
            let d: Double
            if let pw {
                l = (1 - y) * x - ((pw[i] - 1) * y + 1) * logSigmoid(x)
                let t = pw[i] * y
                d = (t + 1 - y) * sigmoid(x) - t
            } else {
                l = (1 - y) * x - logSigmoid(x)
                d = sigmoid(x) - y
            }
            return (l * wi, d * wi)
        }
    }
}
