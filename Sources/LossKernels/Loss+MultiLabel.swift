import Glibc

/// multilabel_soft_margin_loss and multilabel_margin_loss: one loss per sample of an (N, C) or
/// (C) input (PyTorch semantics; mean divides by N).
///
/// ```
/// multilabel_soft_margin:  l_n = -sum_c w_c (y_c logsigmoid(x_c) + (1 - y_c) logsigmoid(-x_c)) / C
///                          dl_n/dx_c = w_c (sigmoid(x_c) - y_c) / C
/// multilabel_margin:       targets j: the class indices of y_n before its first -1;
///                          l_n = sum_j sum_{i not a target} max(0, 1 - x[j] + x[i]) / C
///                          each pair with 1 - x[j] + x[i] > 0 adds 1/C to dl/dx[i], -1/C to dl/dx[j]
/// ```
extension LossName {
    /// `torch.nn.functional.multilabel_soft_margin_loss`.
    public static let multilabelSoftMarginLoss = LossName(declaring: "multilabel_soft_margin_loss")
    /// `torch.nn.functional.multilabel_margin_loss`.
    public static let multilabelMarginLoss = LossName(declaring: "multilabel_margin_loss")
}

extension LossDescriptor {
    static let multilabelSoftMarginLoss = LossDescriptor(
        name: .multilabelSoftMarginLoss, summary: "per-class logistic loss averaged over the C classes of each sample",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "logits (N, C) or (C)"),
            TensorSpec("target", .floating, "0/1 labels of the input's shape"),
            TensorSpec("weight", .floating, required: false, "class weights broadcastable to the input, e.g. (C)"),
        ]
    ) { job, _ throws(LossError) in try Loss.multilabelSoftMargin(job) }

    static let multilabelMarginLoss = LossDescriptor(
        name: .multilabelMarginLoss, summary: "hinge between every target class and every other class of a sample",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "scores (N, C) or (C)"),
            TensorSpec("target", .classIndices,
                       "the input's shape: each row's target classes, then -1, then anything in [-1, C)"),
        ]
    ) { job, _ throws(LossError) in try Loss.multilabelMargin(job) }
}

extension Loss {
    static func multilabelSoftMargin(_ job: LossJob) throws(LossError) -> Computed {
        let (samples, classes, valueShape) = try PerSampleLoss.rows(job.input, "input")
        let x = try Validation.floats(job.input, "input")
        try PerSampleLoss.requireInputShape(job.target, "target", job)
        let y = try Validation.values(job.target, "target")
        let w = try job.weight.map { t throws(LossError) in try Validation.broadcast(t, "weight", to: job.input.shape) }
        let c = Double(classes)
        return try PerSampleLoss(job, samples: samples, valueShape: valueShape, gradients: ["input"]).run { n, scale, grad in
            var sum = 0.0
            for i in n * classes..<(n + 1) * classes {
                let wi = w?[i] ?? 1, xi = x[i]
                // logsigmoid(x) and logsigmoid(-x) share log1p(exp(-|x|)) (PyTorch's CPU form);
                // sigmoid(x) reuses exp(-|x|).
                let e = exp(-abs(xi)), shared = log1p(e)
                sum += -(y[i] * (Swift.min(xi, 0) - shared) + (1 - y[i]) * (Swift.min(-xi, 0) - shared)) * wi
                if let grad { grad[i] = wi * ((xi >= 0 ? 1 / (1 + e) : e / (1 + e)) - y[i]) * (scale / c) }
            }
            return sum / c
        }
    }

    static func multilabelMargin(_ job: LossJob) throws(LossError) -> Computed {
        let (samples, classes, valueShape) = try PerSampleLoss.rows(job.input, "input")
        let x = try Validation.floats(job.input, "input")
        try PerSampleLoss.requireInputShape(job.target, "target", job)
        let t = try Validation.classIndices(job.target)
        for i in t.indices where t[i] < -1 || t[i] >= Int64(classes) {
            throw .element(.targetOutOfRange, "target", flat: i, shape: job.target.shape,
                           "target \(t[i]) is outside [-1, \(classes)) (-1 ends a row's target list)")
        }
        let c = Double(classes)
        var isTarget = [Bool](repeating: false, count: classes)
        return try PerSampleLoss(job, samples: samples, valueShape: valueShape, gradients: ["input"]).run { n, scale, grad in
            let row = n * classes
            let targets = t[row..<row + classes].prefix { $0 >= 0 }.map { Int($0) }
            for j in 0..<classes { isTarget[j] = false }
            for j in targets { isTarget[j] = true }
            var sum = 0.0
            let step = scale / c
            for j in targets {
                for i in 0..<classes where !isTarget[i] {
                    let z = 1 - x[row + j] + x[row + i]
                    guard z > 0 else { continue }
                    sum += z
                    grad?[row + j] -= step
                    grad?[row + i] += step
                }
            }
            return sum / c
        }
    }
}
