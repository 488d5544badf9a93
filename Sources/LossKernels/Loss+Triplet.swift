/// triplet_margin_loss and triplet_margin_with_distance_loss (PyTorch semantics; mean divides by N):
///
/// ```
/// d_pos = D(anchor, positive),  d_neg = D(anchor, negative)
/// swap:  d_neg = minimum(d_neg, D(positive, negative))   (a tie splits the gradient in halves)
/// l = max(0, margin + d_pos - d_neg)                      (clamp_min passes the gradient at 0)
/// ```
/// triplet_margin_loss: D = pairwise_distance(x, y, p, eps) = ||x - y + eps||_p.
/// triplet_margin_with_distance_loss: D = pairwise_distance(x, y) (p = 2, eps = 1e-6), or
/// 1 - cosine_similarity(x, y) (eps = 1e-8) with distance "cosine".
/// Identical vectors leave only eps in a pairwise distance (IDENTICAL_VECTORS); a zero vector's
/// cosine gradient is scaled by 1/1e-8 (ZERO_NORM_VECTOR). PyTorch says nothing of either.
extension LossName {
    /// `torch.nn.functional.triplet_margin_loss`.
    public static let tripletMarginLoss = LossName(declaring: "triplet_margin_loss")
    /// `torch.nn.functional.triplet_margin_with_distance_loss`, with a named distance function.
    public static let tripletMarginWithDistanceLoss = LossName(declaring: "triplet_margin_with_distance_loss")
}

extension LossOption {
    /// `margin` of both triplet losses (torch.nn.functional requires it positive).
    public static let tripletMargin = LossOption(
        "margin", default: .double(1), .real(.above(0)), "the gap d_neg must keep above d_pos, > 0")
    /// triplet_margin_loss's `p`.
    public static let tripletP = LossOption("p", default: .double(2), .real(.above(0)), "the norm degree of the distance")
    /// triplet_margin_loss's `eps`.
    public static let tripletEps = LossOption(
        "eps", default: .double(1e-6), .real(.atLeast(0)), "added to every difference before its norm")
    /// `swap` of both triplet losses.
    public static let swap = LossOption(
        "swap", default: .bool(false), .boolean, "use D(positive, negative) when it is smaller than D(anchor, negative)")
    /// triplet_margin_with_distance_loss's `distance` (PyTorch's distance_function, by name).
    public static let distance = LossOption(
        "distance", default: .string("pairwise"), .choice(["pairwise", "cosine"]),
        "pairwise: pairwise_distance (p = 2); cosine: 1 - cosine_similarity")
}

extension LossDescriptor {
    private static let tripletTensors = [
        TensorSpec("anchor", .floating, differentiable: true, "embeddings (N, D) or (D)"),
        TensorSpec("positive", .floating, differentiable: true, "embeddings of the anchor's shape"),
        TensorSpec("negative", .floating, differentiable: true, "embeddings of the anchor's shape"),
    ]

    static let tripletMarginLoss = LossDescriptor(
        name: .tripletMarginLoss, summary: "max(0, margin + d(anchor, positive) - d(anchor, negative)), p-norm distance",
        tensors: tripletTensors, options: [.tripletMargin, .tripletP, .tripletEps, .swap]
    ) { job, _ throws(LossError) in
        let o = job.options
        return try Loss.triplet(job, .pairwise(p: o.real(.tripletP), eps: o.real(.tripletEps)), margin: o.real(.tripletMargin))
    }

    static let tripletMarginWithDistanceLoss = LossDescriptor(
        name: .tripletMarginWithDistanceLoss,
        summary: "max(0, margin + d(anchor, positive) - d(anchor, negative)), pairwise or cosine distance",
        tensors: tripletTensors, options: [.distance, .tripletMargin, .swap]
    ) { job, _ throws(LossError) in
        let o = job.options
        let distance: TripletDistance = o.choice(.distance) == "cosine" ? .cosine : .pairwise(p: 2, eps: 1e-6)
        return try Loss.triplet(job, distance, margin: o.real(.tripletMargin))
    }
}

/// The distance of a triplet loss, on rows of D contiguous values.
enum TripletDistance {
    case pairwise(p: Double, eps: Double)
    /// 1 - cosine_similarity(x, y, eps = 1e-8).
    case cosine

    static let cosineEps = 1e-8

    func callAsFunction(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ d: Int) -> Double {
        switch self {
        case .pairwise(let p, let eps): VectorDistance.pairwise(x, y, d, p: p, eps: eps)
        case .cosine: 1 - VectorDistance.Cosine(VectorDistance.moments(x, y, d), eps: Self.cosineEps).value
        }
    }

    /// Adds `scale` * d D(x, y) / dx to `gx` and `scale` * d D(x, y) / dy to `gy`; `value` is D(x, y).
    func addGradient(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ d: Int, value: Double, scale: Double,
                     _ gx: UnsafeMutablePointer<Double>, _ gy: UnsafeMutablePointer<Double>) {
        switch self {
        case .pairwise(let p, let eps):
            VectorDistance.addPairwiseGradient(x, y, d, p: p, eps: eps, norm: value, scale: scale, gx, gy)
        case .cosine:
            VectorDistance.Cosine(VectorDistance.moments(x, y, d), eps: Self.cosineEps)
                .addGradient(x, y, d, scale: -scale, gx, gy)
        }
    }
}

extension Loss {
    static func triplet(_ job: LossJob, _ distance: TripletDistance, margin: Double) throws(LossError) -> Computed {
        let anchor = job.tensor("anchor")
        let (samples, width, valueShape) = try PerSampleLoss.rows(anchor, "anchor")
        for name in ["positive", "negative"] where job.tensor(name).shape != anchor.shape {
            throw LossError(kind: .shapeMismatch, field: name,
                            detail: "\(name) must have the anchor's shape \(anchor.shape), got \(job.tensor(name).shape)")
        }
        if case .cosine = distance, anchor.shape.count != 2 {
            throw LossError(kind: .shapeMismatch, field: "anchor",
                            detail: "the cosine distance needs (N, D) inputs (PyTorch's cosine_similarity over dim 1)")
        }
        let swap = job.options.boolean(.swap)
        let driver = try PerSampleLoss(
            job, samples: samples, width: width, valueShape: valueShape,
            rows: [(anchor, "anchor"), (job.tensor("positive"), "positive"), (job.tensor("negative"), "negative")],
            gradients: 3, flag: { if case .cosine = distance { .zeroNormVector } else { .identicalVectors } }())
        return try driver.run { n, scale, rows, grads in
            let a = rows[0], p = rows[1], q = rows[2]
            let dPos = distance(a, p, width), dNeg = distance(a, q, width)
            let dSwap = swap ? distance(p, q, width) : Double.infinity
            let dMin = swap ? (dNeg.isNaN || dSwap.isNaN ? Double.nan : Swift.min(dNeg, dSwap)) : dNeg
            let z = margin + dPos - dMin
            if let grads, z >= 0 {
                let ga = grads[0], gp = grads[1], gq = grads[2]
                distance.addGradient(a, p, width, value: dPos, scale: scale, ga, gp)
                // torch.minimum's backward: the smaller side takes the gradient, a tie halves it.
                let negShare = !swap || dNeg < dSwap ? 1.0 : dNeg == dSwap ? 0.5 : 0
                if negShare > 0 { distance.addGradient(a, q, width, value: dNeg, scale: -scale * negShare, ga, gq) }
                if negShare < 1 {
                    distance.addGradient(p, q, width, value: dSwap, scale: -scale * (1 - negShare), gp, gq)
                }
            }
            return (z.isNaN ? .nan : Swift.max(z, 0), Self.degenerate(distance, a, p, q, width, swap: swap))
        }
    }

    /// Whether a sample has identical vectors (pairwise) or a zero vector (cosine).
    private static func degenerate(_ distance: TripletDistance, _ a: UnsafePointer<Double>, _ p: UnsafePointer<Double>,
                                   _ q: UnsafePointer<Double>, _ d: Int, swap: Bool) -> Bool {
        func equal(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Bool {
            for i in 0..<d where x[i] != y[i] { return false }
            return true
        }
        func zero(_ x: UnsafePointer<Double>) -> Bool {
            for i in 0..<d where x[i] != 0 { return false }
            return true
        }
        if case .cosine = distance { return zero(a) || zero(p) || zero(q) }
        return equal(a, p) || equal(a, q) || (swap && equal(p, q))
    }
}
