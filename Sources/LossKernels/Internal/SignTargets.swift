extension Validation {
    /// The values of a +1/-1 target (hinge_embedding, soft_margin, cosine_embedding), which must
    /// have `shape`. PyTorch computes any other value silently (as a mix of both branches, or as
    /// neither); lossd refuses it.
    ///
    /// - Throws: `.shapeMismatch` on `target` for another shape; `.invalidTensor` naming the first
    ///   element that is not 1 or -1.
    static func signTargets(_ t: Tensor, shape: [Int]) throws(LossError) -> [Double] {
        guard t.shape == shape else {
            throw LossError(kind: .shapeMismatch, field: "target", detail: "target must have shape \(shape), got \(t.shape)")
        }
        let y = try values(t, "target")
        try requireSigns(y, shape: shape)
        return y
    }

    /// - Throws: `.invalidTensor` naming the first element of the target `y` (of `shape`) that is
    ///   not 1 or -1.
    static func requireSigns(_ y: [Double], shape: [Int]) throws(LossError) {
        for i in y.indices where y[i] != 1 && y[i] != -1 {
            throw .element(.invalidTensor, "target", flat: i, shape: shape, "target must be 1 or -1, got \(y[i])")
        }
    }
}
