/// How many positions matched something, and the first few of them.
struct PositionSample {
    static let maxExamples = 5
    var count = 0
    var examples: [Int] = []

    mutating func hit(_ position: Int) {
        count += 1
        if examples.count < Self.maxExamples { examples.append(position) }
    }

    /// Adds another sample's hits (positions of `other` all follow this one's).
    mutating func merge(_ other: PositionSample) {
        count += other.count
        for e in other.examples where examples.count < Self.maxExamples { examples.append(e) }
    }
}

/// Counts one warning code's occurrences and keeps the first few positions.
struct WarningCollector {
    let code: WarningCode
    private var positions = PositionSample()

    init(_ code: WarningCode) { self.code = code }

    var count: Int { positions.count }

    mutating func hit(_ position: Int) { positions.hit(position) }

    /// Adds another collector's hits (positions of `other` all follow this one's).
    mutating func merge(_ other: WarningCollector) { positions.merge(other.positions) }

    /// The warning, or nil if it never fired.
    var warning: LossWarning? {
        count == 0 ? nil : LossWarning(code, count: positions.count, examples: positions.examples)
    }
}

/// Running min / max / sum of a quantity over a set of samples. One NaN sample makes the
/// min and max NaN too (a NaN loss must not be summarised by the finite ones around it).
struct RunningStats {
    var count = 0
    var sum = 0.0
    var min = Double.infinity
    var max = -Double.infinity

    mutating func add(_ v: Double) {
        count += 1
        sum += v
        include(min: v, max: v)
    }

    mutating func merge(_ o: RunningStats) {
        count += o.count
        sum += o.sum
        include(min: o.min, max: o.max)
    }

    private mutating func include(min low: Double, max high: Double) {
        if low.isNaN || high.isNaN || min.isNaN {
            (min, max) = (.nan, .nan)
            return
        }
        if low < min { min = low }
        if high > max { max = high }
    }

    var mean: Double { sum / Double(count) }
}
