/// A computed job before the safe/pytorch comparison.
struct Computed {
    var result: LossResult
    /// Safe mode changed PyTorch's answer here (ignored non-finite rows, empty mean).
    var safeDiffersFromPyTorch: Bool
}

/// Builds tensors in the job's dtype and the diagnostics sections.
enum ResultAssembly {
    static func tensor(_ shape: [Int], _ values: [Double], _ dtype: DType) -> Tensor {
        switch dtype {
        case .float64: return Tensor(shape: shape, float64: values)
        case .float32: return Tensor(shape: shape, float32: values.map { Float($0) })
        }
    }

    /// Reduced value of a loss whose mean divides by `denominator`; safe mode answers 0 for an
    /// empty mean (PyTorch's 0/0 = NaN; `Loss.compute` reports that in `diagnostics.pytorch`).
    static func reduce(sum: Double, denominator: Double, _ r: Reduction, pytorch: Bool) -> Double {
        switch r {
        case .sum, .none: return sum
        case .mean, .batchmean: return denominator == 0 && !pytorch ? 0 : sum / denominator
        }
    }

    /// `grad_l2_norm` and `grad_max_abs`. A NaN element makes the sum of squares NaN; the
    /// maximum (whose comparisons skip NaN) is then reported as NaN too.
    static func gradStats(_ d: inout Diagnostics, sumSquares: Double, maxAbs: Double) {
        d.stats.append(.init("grad_l2_norm", .double(sumSquares.squareRoot())))
        d.stats.append(.init("grad_max_abs", .double(sumSquares.isNaN ? .nan : maxAbs)))
    }

    /// Appends `key` when the set it summarizes is not empty.
    static func stat(_ d: inout Diagnostics, _ key: String, _ v: Double, if present: Bool) {
        if present { d.stats.append(.init(key, .double(v))) }
    }
}
