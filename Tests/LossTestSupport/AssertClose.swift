/// Tolerance checks for numeric tests that treat NaN, infinities and signed zeros explicitly.
public enum Closeness {
    /// Whether `observed` matches `expected`: both NaN; or equal infinities; or finite and
    /// `|expected - observed| <= max(absolute, relative * |expected|)`. A finite value never
    /// matches NaN or an infinity.
    public static func matches(_ expected: Double, _ observed: Double, relative: Double, absolute: Double) -> Bool {
        if expected.isNaN || observed.isNaN { return expected.isNaN && observed.isNaN }
        if expected.isInfinite || observed.isInfinite { return expected == observed }
        return abs(expected - observed) <= max(absolute, relative * abs(expected))
    }

    /// A description of the first element that does not match (and how many do not), or nil.
    public static func firstMismatch(
        expected: [Double], observed: [Double], relative: Double, absolute: Double
    ) -> String? {
        guard expected.count == observed.count else {
            return "count \(observed.count), expected \(expected.count)"
        }
        var first: Int?
        var bad = 0
        for i in expected.indices where !matches(expected[i], observed[i], relative: relative, absolute: absolute) {
            if first == nil { first = i }
            bad += 1
        }
        guard let i = first else { return nil }
        return "element \(i): got \(observed[i]), expected \(expected[i]) (\(bad) of \(expected.count) differ)"
    }
}
