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
        try PerSampleLoss.requireInputShape(job.target, "target", job)
        let w = try job.weight.map { t throws(LossError) in try Validation.broadcast(t, "weight", to: job.input.shape) }
        let c = Double(classes)
        // float32 jobs take exp and log1p in float32, as PyTorch does.
        let single = job.options.dtype == .float32
        let driver = try PerSampleLoss(job, samples: samples, width: classes, valueShape: valueShape,
                                       rows: [(job.input, "input"), (job.target, "target")], gradients: 1)
        return try driver.run { n, scale, rows, grads in
            let x = rows[0], y = rows[1], grad = grads?[0]
            var sum = 0.0
            for i in 0..<classes {
                let wi = w?[n * classes + i] ?? 1, xi = x[i]
                // logsigmoid(x) and logsigmoid(-x) share log1p(exp(-|x|)) (PyTorch's CPU form);
                // sigmoid(x) reuses exp(-|x|).
                let e = single ? Double(expf(Float(-abs(xi)))) : exp(-abs(xi))
                let shared = single ? Double(log1pSingle(Float(e))) : log1p(e)
                sum += -(y[i] * (Swift.min(xi, 0) - shared) + (1 - y[i]) * (Swift.min(-xi, 0) - shared)) * wi
                if let grad { grad[i] = wi * ((xi >= 0 ? 1 / (1 + e) : e / (1 + e)) - y[i]) * (scale / c) }
            }
            return (sum / c, false)
        }
    }

    static func multilabelMargin(_ job: LossJob) throws(LossError) -> Computed {
        let (samples, classes, valueShape) = try PerSampleLoss.rows(job.input, "input")
        try PerSampleLoss.requireInputShape(job.target, "target", job)
        let t = try Validation.classIndices(job.target)
        for i in t.indices where t[i] < -1 || t[i] >= Int64(classes) {
            throw .element(.targetOutOfRange, "target", flat: i, shape: job.target.shape,
                           "target \(t[i]) is outside [-1, \(classes)) (-1 ends a row's target list)")
        }
        let c = Double(classes)
        let driver = try PerSampleLoss(job, samples: samples, width: classes, valueShape: valueShape,
                                       rows: [(job.input, "input")], gradients: 1)
        return try driver.run { n, scale, rows, grads in
            let x = rows[0], grad = grads?[0]
            let row = n * classes
            let targets = t[row..<row + classes].prefix { $0 >= 0 }
            let step = scale / c
            return withUnsafeTemporaryAllocation(of: Bool.self, capacity: classes) { isTarget in
                isTarget.initialize(repeating: false)
                for j in targets { isTarget[Int(j)] = true }
                var sum = 0.0
                for j in targets.lazy.map({ Int($0) }) {
                    for i in 0..<classes where !isTarget[i] {
                        let z = 1 - x[j] + x[i]
                        guard z > 0 else { continue }
                        sum += z
                        grad?[j] -= step
                        grad?[i] += step
                    }
                }
                return (sum / c, false)
            }
        }
    }
}
