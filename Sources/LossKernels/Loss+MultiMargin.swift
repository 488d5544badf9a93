/// multi_margin_loss: the multi-class hinge of an (N, C) or (C) input and class-index targets
/// (PyTorch CPU kernel; mean divides by N, whatever the weights).
///
/// ```
/// z_i = margin - x[y] + x[i] for every class i != y;  h_i = z_i^p where z_i > 0, else 0
/// l_n = w[y] sum_i h_i / C
/// dl_n/dx[i] = w[y] (p = 1 ? 1 : 2 z_i) / C where z_i > 0,  dl_n/dx[y] = -sum of those
/// ```
extension LossName {
    /// `torch.nn.functional.multi_margin_loss`.
    public static let multiMarginLoss = LossName(declaring: "multi_margin_loss")
}

extension LossOption {
    /// multi_margin_loss's `p`: 1 or 2.
    public static let multiMarginP = LossOption(
        "p", default: .int(1), .integer(1...2), "1 (hinge) or 2 (squared hinge)")
    /// multi_margin_loss's `margin`.
    public static let multiMargin = LossOption(
        "margin", default: .double(1), .real(.all), "the score gap every other class must keep below the target's")
}

extension LossDescriptor {
    static let multiMarginLoss = LossDescriptor(
        name: .multiMarginLoss, summary: "multi-class hinge: every other class's score kept margin below the target's",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "scores (N, C) or (C)"),
            TensorSpec("target", .classIndices, "class indices (N), or () for a (C) input"),
            TensorSpec("weight", .floating, required: false, "class weights (C), applied by the target's class"),
        ],
        options: [.multiMarginP, .multiMargin]
    ) { job, _ throws(LossError) in try Loss.multiMargin(job) }
}

extension Loss {
    static func multiMargin(_ job: LossJob) throws(LossError) -> Computed {
        let (samples, classes, valueShape) = try PerSampleLoss.rows(job.input, "input")
        guard job.target.shape.count <= 1, job.target.count == samples else {
            throw LossError(kind: .shapeMismatch, field: "target",
                            detail: "target must hold one class index per sample (\(samples)), got shape \(job.target.shape)")
        }
        let t = try Validation.classIndices(job.target)
        for i in t.indices where t[i] < 0 || t[i] >= Int64(classes) {
            throw .element(.targetOutOfRange, "target", flat: i, shape: job.target.shape,
                           "target \(t[i]) is outside [0, \(classes))")
        }
        var w: [Double]?
        if let weight = job.weight {
            guard weight.shape.count <= 1, weight.count == classes else {
                throw LossError(kind: .shapeMismatch, field: "weight",
                                detail: "weight must hold one value per class (\(classes)), got shape \(weight.shape)")
            }
            w = try Validation.floats(weight, "weight")
        }
        let squared = job.options.integer(.multiMarginP) == 2
        let margin = job.options.real(.multiMargin)
        let c = Double(classes)
        let driver = try PerSampleLoss(job, samples: samples, width: classes, valueShape: valueShape,
                                       rows: [(job.input, "input")], gradients: 1)
        return try driver.run { n, scale, rows, grads in
            let x = rows[0], grad = grads?[0], y = Int(t[n])
            let wy = w?[y] ?? 1
            let xy = x[y]
            let step = wy * scale / c
            var sum = 0.0
            for i in 0..<classes where i != y {
                let z = margin - xy + x[i]
                guard z > 0 else { continue }
                sum += (squared ? z * z : z) * wy
                let d = squared ? 2 * z * step : step
                grad?[i] += d
                grad?[y] -= d
            }
            return (sum / c, false)
        }
    }
}
