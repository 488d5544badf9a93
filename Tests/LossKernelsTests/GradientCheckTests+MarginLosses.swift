import LossKernels
import LossTestSupport

/// Inputs of the margin and embedding losses' finite-difference checks (the cases themselves are
/// in `GradientCheckTests.cases`).
extension GradientCheckTests {
    /// float64 options of `loss`, each looked up in that loss's own descriptor (`p` and `margin`
    /// have different domains and defaults in different losses).
    static func options(of loss: LossName, _ pairs: [(String, OptionValue)]) -> LossOptions {
        var o = LossOptions()
        o.dtype = .float64
        for (k, v) in pairs { try! o.set(k, to: v, for: loss) }
        return o
    }

    /// A tensor of 1 and -1.
    static func signs(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, float64: g.doubles(shape.reduce(1, *), in: -1...1).map { $0 < 0 ? -1 : 1 })
    }

    /// multilabel_margin_loss targets of an (N, C) input: each row a few distinct classes, then
    /// -1, then leftovers.
    static func classLists(rows: Int, classes: Int, _ g: inout SeededGenerator) -> Tensor {
        var data: [Int64] = []
        for _ in 0..<rows {
            let count = Int.random(in: 0..<classes, using: &g)
            let chosen = Array((0..<Int64(classes)).shuffled(using: &g).prefix(count))
            data += chosen + [-1] + [Int64](repeating: 0, count: classes - count - 1)
        }
        return Tensor(shape: [rows, classes], int64: data)
    }
}
