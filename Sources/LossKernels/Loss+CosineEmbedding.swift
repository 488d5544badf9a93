/// cosine_embedding_loss (PyTorch's composite; mean divides by N):
///
/// ```
/// cos = a.b / sqrt((|a|^2 + e) (|b|^2 + e)),  e = Float(1e-12)
/// y = 1:  l = 1 - cos                  y = -1:  l = max(0, cos - margin) (gradient 0 at the kink)
/// d cos / da = b / sqrt(..) - cos a / (|a|^2 + 1e-12)
/// ```
/// The e keeps a zero vector's cosine at 0, but its gradient is b / sqrt(1e-12 |b|^2), about
/// 1e6 times b: ZERO_NORM_VECTOR names those samples (PyTorch says nothing).
extension LossName {
    /// `torch.nn.functional.cosine_embedding_loss`.
    public static let cosineEmbeddingLoss = LossName(declaring: "cosine_embedding_loss")
}

extension LossOption {
    /// cosine_embedding_loss's `margin`.
    public static let cosineMargin = LossOption(
        "margin", default: .double(0), .real(.all), "a -1 pair's cosine above margin is penalized")
}

extension LossDescriptor {
    static let cosineEmbeddingLoss = LossDescriptor(
        name: .cosineEmbeddingLoss, summary: "1 - cosine for +1 pairs, max(0, cosine - margin) for -1 pairs",
        tensors: [
            TensorSpec("input1", .floating, differentiable: true, "embeddings (N, D) or (D)"),
            TensorSpec("input2", .floating, differentiable: true, "embeddings of input1's shape"),
            TensorSpec("target", .floating, values: .signs, "1 (similar) or -1 (dissimilar) per pair: (N), or () for (D) inputs"),
        ],
        options: [.cosineMargin]
    ) { job, _ throws(LossError) in try Loss.cosineEmbedding(job) }
}

extension Loss {
    /// PyTorch's EPSILON added to both squared norms: a C++ `float` 1e-12, also for double tensors.
    private static let cosineEmbeddingEpsilon = Double(Float(1e-12))

    static func cosineEmbedding(_ job: LossJob) throws(LossError) -> Computed {
        let first = job.tensor("input1"), second = job.tensor("input2")
        let (samples, width, valueShape) = try PerSampleLoss.rows(first, "input1")
        guard second.shape == first.shape else {
            throw LossError(kind: .shapeMismatch, field: "input2",
                            detail: "input2 must have input1's shape \(first.shape), got \(second.shape)")
        }
        let y = try Validation.signTargets(job.target, shape: valueShape)
        let margin = job.options.real(.cosineMargin)
        let eps = cosineEmbeddingEpsilon
        let driver = try PerSampleLoss(job, samples: samples, width: width, valueShape: valueShape,
                                       rows: [(first, "input1"), (second, "input2")], gradients: 2, flag: .zeroNormVector)
        return try driver.run { n, scale, rows, grads in
            let pa = rows[0], pb = rows[1]
            let m = VectorDistance.moments(pa, pb, width)
            let sa = m.aa + eps, sb = m.bb + eps
            let denominator = (sa * sb).squareRoot()
            let cos = m.ab / denominator
            let loss: Double, dcos: Double
            if y[n] == 1 {
                (loss, dcos) = (1 - cos, -scale)
            } else {
                (loss, dcos) = (Swift.max(cos - margin, 0), cos - margin > 0 ? scale : 0)
            }
            if let grads, dcos != 0 {
                let ga = grads[0], gb = grads[1]
                for i in 0..<width {
                    ga[i] = dcos * (pb[i] / denominator - cos * pa[i] / sa)
                    gb[i] = dcos * (pa[i] / denominator - cos * pb[i] / sb)
                }
            }
            return (loss, m.aa == 0 || m.bb == 0)
        }
    }
}
