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
        try requireSigns(t)
        return try values(t, "target")
    }

    /// - Throws: `.invalidTensor` naming the first element of the target `t` that is not 1 or -1
    ///   (float32 elements read where they are stored).
    static func requireSigns(_ t: Tensor) throws(LossError) {
        _ = try consistent(t, "target")
        if let (i, y) = try firstNonSign(t) {
            throw .element(.invalidTensor, "target", flat: i, shape: t.shape, "target must be 1 or -1, got \(y)")
        }
    }

    /// The first element of `t` that is not 1 or -1, and its value (float32 elements tested 8
    /// lanes at a time where they are stored).
    static func firstNonSign(_ t: Tensor) throws(LossError) -> (Int, Double)? {
        if let found = t.withFloat32Elements(firstNonSign) {
            return found.map { i in (i, Double(t.withFloat32Elements { $0[i] }!)) }
        }
        var found: (Int, Double)?
        try PointwiseLoss.scan(t) { i, y throws(LossError) in
            if found == nil && y != 1 && y != -1 { found = (i, y) }
        }
        return found
    }

    private static func firstNonSign(_ v: UnsafeBufferPointer<Float>) -> Int? {
        var i = 0
        if let raw = UnsafeRawPointer(v.baseAddress) {
            while i + 8 <= v.count {
                let x = raw.loadUnaligned(fromByteOffset: i * 4, as: FloatLanes.self)
                if !all((x .== 1) .| (x .== -1)) { break }
                i += 8
            }
        }
        return v[i...].firstIndex { $0 != 1 && $0 != -1 }
    }
}
