/// Numerical derivatives for gradient checks, in Double.
public enum FiniteDifference {
    /// The 4-point central estimate of df/dx_i for every i:
    /// `(8 f(x + h/2) + f(x - h) - 8 f(x - h/2) - f(x + h)) / (6 h)`, error O(h^4).
    /// `h` is scaled by `max(1, |x_i|)`.
    public static func gradient(at x: [Double], step: Double = 1e-3, _ f: ([Double]) -> Double) -> [Double] {
        var probe = x
        var out = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let h = step * max(1, abs(x[i]))
            func at(_ offset: Double) -> Double {
                probe[i] = x[i] + offset
                return f(probe)
            }
            out[i] = (8 * at(h / 2) + at(-h) - 8 * at(-h / 2) - at(h)) / (6 * h)
            probe[i] = x[i]
        }
        return out
    }
}
