/// Counts one warning code's occurrences and keeps the first few positions.
struct WarningCollector {
    static let maxExamples = 5
    let code: String
    var count = 0
    var examples: [Int] = []

    init(_ code: String) { self.code = code }

    mutating func hit(_ position: Int) {
        count += 1
        if examples.count < Self.maxExamples { examples.append(position) }
    }

    /// Adds another collector's hits (positions of `other` all follow this one's).
    mutating func merge(_ other: WarningCollector) {
        count += other.count
        for e in other.examples where examples.count < Self.maxExamples { examples.append(e) }
    }

    /// The warning, or nil if it never fired.
    func warning(_ message: String) -> LossWarning? {
        count == 0 ? nil : LossWarning(code: code, message: message, count: count, examples: examples)
    }
}

/// Running min / max / sum of a quantity over a set of samples.
struct RunningStats {
    var count = 0
    var sum = 0.0
    var min = Double.infinity
    var max = -Double.infinity

    mutating func add(_ v: Double) {
        count += 1
        sum += v
        if v < min { min = v }
        if v > max { max = v }
    }

    mutating func merge(_ o: RunningStats) {
        count += o.count
        sum += o.sum
        if o.min < min { min = o.min }
        if o.max > max { max = o.max }
    }

    var mean: Double { sum / Double(count) }
}
