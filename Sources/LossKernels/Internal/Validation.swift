/// Checks shared by every loss; each returns a `LossError` value instead of trapping.
enum Validation {
    /// The tensor's storage must hold exactly the product of its shape.
    static func consistent(_ t: Tensor, _ field: String) throws(LossError) -> Int {
        guard let n = t.shapeCount else {
            throw LossError(kind: .invalidTensor, field: field, detail: "shape \(t.shape) has a negative or overflowing size")
        }
        guard n == t.count else {
            throw LossError(kind: .invalidTensor, field: field, detail: "shape \(t.shape) needs \(n) elements, storage has \(t.count)")
        }
        return n
    }

    /// A floating-point tensor (input, weight, probability targets, grad_output).
    static func floats(_ t: Tensor, _ field: String) throws(LossError) -> [Double] {
        try requireFloats(t, field)
        return t.doubles
    }

    /// `floats`' checks without the widened copy.
    static func requireFloats(_ t: Tensor, _ field: String) throws(LossError) {
        _ = try consistent(t, field)
        guard t.isFloatingPoint else {
            throw LossError(kind: .invalidTensor, field: field, detail: "\(field) must be float32 or float64, got int64")
        }
    }

    /// Float values of a target that is compared elementwise with the input (int64 is widened).
    static func values(_ t: Tensor, _ field: String) throws(LossError) -> [Double] {
        _ = try consistent(t, field)
        return t.doubles
    }

    /// Class indices (or lengths): int64, or floats holding integers (as a JSON reader may deliver them).
    static func classIndices(_ t: Tensor, _ field: String = "target") throws(LossError) -> [Int64] {
        _ = try consistent(t, field)
        switch t.storage {
        case .int64(let a): return a
        case .float32, .float32Bytes, .float64:
            let d = t.doubles
            var out = [Int64](repeating: 0, count: d.count)
            for i in d.indices {
                let v = d[i]
                guard v.isFinite, v == v.rounded() else {
                    throw .element(.invalidTensor, field, flat: i, shape: t.shape,
                                   "\(field) must hold integers, got \(t.elementDescription(i))")
                }
                // Beyond Int64 an index saturates: it is out of range for any tensor, and reported so.
                out[i] = v >= 0x1p63 ? .max : v < -0x1p63 ? .min : Int64(v)
            }
            return out
        }
    }

    /// The upstream gradient: nil means 1; shape [] is a scalar for every output element,
    /// otherwise its shape must be the value's shape. Returns nil for "a scalar", with `scalar` set.
    static func gradOutput(_ t: Tensor?, valueShape: [Int]) throws(LossError) -> (scalar: Double, perElement: [Double]?) {
        guard let t else { return (1, nil) }
        let g = try floats(t, "grad_output")
        if t.shape.isEmpty || (t.shape == valueShape && valueShape.isEmpty) { return (g[0], nil) }
        guard t.shape == valueShape else {
            throw LossError(kind: .shapeMismatch, field: "grad_output",
                            detail: "grad_output must be a scalar or have the value's shape \(valueShape), got \(t.shape)")
        }
        return (1, g)
    }

    /// Strides that map every element of `shape` to an element of `t` broadcast to it (PyTorch
    /// rules: trailing dimensions aligned, size 1 stretches). Returns the broadcast values.
    static func broadcast(_ t: Tensor, _ field: String, to shape: [Int]) throws(LossError) -> [Double] {
        let values = try floats(t, field)
        if t.shape == shape { return values }
        guard t.shape.count <= shape.count else {
            throw LossError(kind: .shapeMismatch, field: field, detail: "\(field) of shape \(t.shape) does not broadcast to \(shape)")
        }
        let offset = shape.count - t.shape.count
        var strides = [Int](repeating: 0, count: shape.count)
        var s = 1
        for d in stride(from: t.shape.count - 1, through: 0, by: -1) {
            let size = t.shape[d]
            guard size == shape[d + offset] || size == 1 else {
                throw LossError(kind: .shapeMismatch, field: field,
                                detail: "\(field) of shape \(t.shape) does not broadcast to \(shape) (dimension \(d))")
            }
            strides[d + offset] = size == 1 ? 0 : s
            s *= size
        }
        let n = shape.reduce(1, *)
        var out = [Double](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        for i in 0..<n {
            out[i] = values[source]
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                source += strides[d]
                if index[d] < shape[d] { break }
                source -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
