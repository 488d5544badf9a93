import LossKernels

/// Random test tensors from a seeded generator.
public extension SeededGenerator {
    /// `count` uniform values in `range`.
    mutating func doubles(_ count: Int, in range: ClosedRange<Double> = -3...3) -> [Double] {
        (0..<count).map { _ in Double.random(in: range, using: &self) }
    }

    /// A float64 tensor of uniform values.
    mutating func tensor(_ shape: [Int], in range: ClosedRange<Double> = -3...3) -> Tensor {
        Tensor(shape: shape, float64: doubles(shape.reduce(1, *), in: range))
    }

    /// Class indices in 0..<classes, each replaced by `ignoreIndex` with probability `ignored`.
    mutating func classes(_ shape: [Int], classes: Int, ignored: Double = 0, ignoreIndex: Int64 = -100) -> Tensor {
        let n = shape.reduce(1, *)
        let data = (0..<n).map { _ -> Int64 in
            Double.random(in: 0..<1, using: &self) < ignored ? ignoreIndex : Int64.random(in: 0..<Int64(classes), using: &self)
        }
        return Tensor(shape: shape, int64: data)
    }

    /// Rows of probabilities along dimension 1 (or 0 for a 1-d shape).
    mutating func probabilities(_ shape: [Int]) -> Tensor {
        var d = doubles(shape.reduce(1, *), in: 0.01...1)
        let classes = shape.count == 1 ? shape[0] : shape[1]
        let inner = shape.count <= 2 ? 1 : shape.dropFirst(2).reduce(1, *)
        for row in 0..<(d.count / classes) {
            let start = (row / inner) * classes * inner + row % inner
            let s = (0..<classes).reduce(0.0) { $0 + d[start + $1 * inner] }
            for c in 0..<classes { d[start + c * inner] /= s }
        }
        return Tensor(shape: shape, float64: d)
    }
}
