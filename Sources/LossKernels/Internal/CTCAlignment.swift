import Glibc

/// One ctc_loss sample's forward-backward recursion in log space, step for step as PyTorch's
/// CPU kernel (aten/src/ATen/native/LossCTC.cpp) runs it, on the extended target
/// l' = (blank, t1, blank, t2, ..., tL, blank) of length S = 2L + 1; computed in Double whatever
/// the log-probabilities' type.
///
/// ```
/// alpha[0][0] = lp[0][blank], alpha[0][1] = lp[0][t1]
/// alpha[t][s] = logsumexp(alpha[t-1][s], alpha[t-1][s-1], alpha[t-1][s-2] if l'[s-2] != l'[s]) + lp[t][l'[s]]
/// nll = -logsumexp(alpha[T-1][S-1], alpha[T-1][S-2])
/// beta mirrors alpha from the end; ab[t][c] = logsumexp over s with l'[s] = c of alpha[t][s] + beta[t][s]
/// grad[t][c] = (exp(lp[t][c]) - exp(ab[t][c] + nll - lp[t][c])) * upstream     (t < input length; else 0)
/// ```
/// The gradient is PyTorch's: the exp(lp) term makes it the gradient with respect to the logits
/// of a log_softmax (equation 16 of Graves et al. 2006), which equals the derivative with respect
/// to log_probs only after log_softmax's backward (the term sums to 1 per frame).
struct CTCAlignment<Scalar: BinaryFloatingPoint> {
    /// Every log-probability of the job, (T, N, C) row-major (N = 1 when unbatched).
    let logProbs: UnsafeBufferPointer<Scalar>
    let batch: Int
    let classes: Int
    let blank: Int

    /// Scratch for one sample: the extended target l', alpha and beta (input length x S each)
    /// and ab (input length x C).
    struct Scratch {
        var labels: [Int] = []
        var alpha: [Double] = []
        var beta: [Double] = []
        var collected: [Double] = []
    }

    /// The log-probability of class `c` at frame `t` of sample `b`.
    @inline(__always) func lp(_ t: Int, _ b: Int, _ c: Int) -> Double {
        Double(logProbs[(t * batch + b) * classes + c])
    }

    /// The negative log likelihood of `target` for sample `b` over its first `frames` frames;
    /// leaves l' and alpha in `scratch` for `gradient`. An empty input aligns only an empty target.
    func negativeLogLikelihood(_ b: Int, target: ArraySlice<Int>, frames: Int, _ scratch: inout Scratch) -> Double {
        let length = target.count, states = 2 * length + 1
        guard frames > 0 else { return length == 0 ? 0 : .infinity }
        scratch.labels.removeAll(keepingCapacity: true)
        for s in 0..<states { scratch.labels.append(s & 1 == 0 ? blank : target[target.startIndex + s >> 1]) }
        Self.reset(&scratch.alpha, frames * states)
        let labels = scratch.labels
        @inline(__always) func label(_ s: Int) -> Int { labels[s] }
        return scratch.alpha.withUnsafeMutableBufferPointer { alpha in
            alpha[0] = lp(0, b, blank)
            if length > 0 { alpha[1] = lp(0, b, label(1)) }
            for t in 1..<frames {
                let previous = (t - 1) * states
                for s in 0..<states {
                    let current = label(s)
                    let a1 = alpha[previous + s]
                    let a2 = s > 0 ? alpha[previous + s - 1] : -.infinity
                    let a3 = s > 1 && label(s - 2) != current ? alpha[previous + s - 2] : -.infinity
                    alpha[t * states + s] = Self.logSumExp(a1, a2, a3) + lp(t, b, current)
                }
            }
            let last = (frames - 1) * states + 2 * length
            return -Self.logSumExp(alpha[last], length > 0 ? alpha[last - 1] : -.infinity, -.infinity)
        }
    }

    /// Writes sample `b`'s gradient (frames < `frames`; the rest is left as it is, 0) into `grad`,
    /// laid out like the log-probabilities, from the alpha `negativeLogLikelihood` left in
    /// `scratch`; marks in `notNormalized` (one flag per frame row t * N + b) the frames whose
    /// log-probabilities are not a log_softmax output (see `normalizationTolerance`). Returns the
    /// sum of squares and the largest magnitude of the gradient elements written.
    func gradient(
        _ b: Int, target: ArraySlice<Int>, frames: Int, nll: Double, upstream: Double, _ scratch: inout Scratch,
        into grad: UnsafeMutableBufferPointer<Scalar>, notNormalized: UnsafeMutableBufferPointer<Bool>
    ) -> (sumSquares: Double, maxAbs: Double) {
        guard frames > 0 else { return (0, 0) }
        var sumSquares = 0.0, maxAbs = 0.0
        let length = target.count, states = 2 * length + 1
        Self.reset(&scratch.beta, frames * states)
        Self.reset(&scratch.collected, frames * classes)
        let labels = scratch.labels
        @inline(__always) func label(_ s: Int) -> Int { labels[s] }
        scratch.alpha.withUnsafeBufferPointer { alpha in
            scratch.beta.withUnsafeMutableBufferPointer { beta in
                scratch.collected.withUnsafeMutableBufferPointer { ab in
                    /// ab[t][l'[s]] log+= alpha[t][s] + beta[t][s], in PyTorch's order.
                    @inline(__always) func collect(_ t: Int, _ s: Int) {
                        let v = alpha[t * states + s] + beta[t * states + s]
                        let slot = t * classes + label(s)
                        if ab[slot] == -.infinity {
                            ab[slot] = v
                        } else if v.isNaN {
                            ab[slot] = v
                        } else {
                            // log(exp(ab - m) + exp(v - m)) + m, one of the two exps being 1.
                            let (m, low) = ab[slot] >= v ? (ab[slot], v) : (v, ab[slot])
                            ab[slot] = Self.logInPrecision(1 + Self.expInPrecision(low - m)) + m
                        }
                    }
                    let end = (frames - 1) * states
                    beta[end + 2 * length] = lp(frames - 1, b, blank)
                    collect(frames - 1, 2 * length)
                    if length > 0 {
                        beta[end + 2 * length - 1] = lp(frames - 1, b, label(2 * length - 1))
                        collect(frames - 1, 2 * length - 1)
                    }
                    for t in stride(from: frames - 2, through: 0, by: -1) {
                        let next = (t + 1) * states
                        for s in stride(from: 2 * length, through: 0, by: -1) {
                            let current = label(s)
                            let b1 = beta[next + s]
                            let b2 = s < 2 * length ? beta[next + s + 1] : -.infinity
                            let b3 = s < 2 * length - 1 && label(s + 2) != current ? beta[next + s + 2] : -.infinity
                            beta[t * states + s] = Self.logSumExp(b1, b2, b3) + lp(t, b, current)
                            collect(t, s)
                        }
                    }
                    for t in 0..<frames {
                        let row = (t * batch + b) * classes
                        var sum = 0.0, positive = false
                        for c in 0..<classes {
                            let x = Double(logProbs[row + c])
                            let p = Self.probability(logProbs[row + c])
                            sum += p
                            positive = positive || x > Self.normalizationTolerance
                            let abc = ab[t * classes + c]
                            // exp(-inf + nll - x) is 0 unless nll is inf (then NaN, as in PyTorch).
                            let aligned = abc == -.infinity && nll.isFinite ? 0 : exp(abc + nll - x)
                            let g = Scalar((p - aligned) * upstream)
                            grad[row + c] = g
                            sumSquares += Double(g) * Double(g)
                            maxAbs = Swift.max(maxAbs, Double(abs(g)))
                        }
                        if positive || abs(sum - 1) > Self.normalizationTolerance { notNormalized[t * batch + b] = true }
                    }
                }
            }
        }
        return (sumSquares, maxAbs)
    }

    /// Marks, like `gradient`, the first `frames` frames of sample `b` that are not log_softmax outputs.
    func checkNormalization(_ b: Int, frames: Int, notNormalized: UnsafeMutableBufferPointer<Bool>) {
        for t in 0..<frames {
            let row = (t * batch + b) * classes
            var sum = 0.0, positive = false
            for c in 0..<classes {
                let x = Double(logProbs[row + c])
                sum += exp(x)
                positive = positive || x > Self.normalizationTolerance
            }
            if positive || abs(sum - 1) > Self.normalizationTolerance { notNormalized[t * batch + b] = true }
        }
    }

    /// exp and log inside the recursion, in the log-probabilities' precision as PyTorch's kernel
    /// computes them (float32 for float32 jobs; the sums stay Double).
    @inline(__always) private static func expInPrecision(_ x: Double) -> Double {
        Scalar.self == Float.self ? Double(expf(Float(x))) : exp(x)
    }

    @inline(__always) private static func logInPrecision(_ x: Double) -> Double {
        Scalar.self == Float.self ? Double(logf(Float(x))) : log(x)
    }

    /// exp of a log-probability in its own precision (a float32 gradient element needs no more).
    @inline(__always) private static func probability(_ x: Scalar) -> Double {
        if Scalar.self == Float.self { return Double(expf(Float(x))) }
        return exp(Double(x))
    }

    /// A frame is a log_softmax output when no log-probability exceeds this and their exps sum
    /// to 1 within it.
    static var normalizationTolerance: Double { 1e-3 }

    /// `buffer` holding `count` times -inf.
    private static func reset(_ buffer: inout [Double], _ count: Int) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(-Double.infinity, count: count))
    }

    /// log(exp(a) + exp(b) + exp(c)) as PyTorch's kernel computes it (the max shifted out; all
    /// -inf gives -inf), without the exps it knows: exp(max - max) = 1 and exp(-inf) = 0.
    @inline(__always) private static func logSumExp(_ a: Double, _ b: Double, _ c: Double) -> Double {
        if a.isNaN || b.isNaN || c.isNaN { return .nan }
        let m = Swift.max(a, b, c)
        if m == -.infinity { return -.infinity }
        // m is finite: the first term equal to it contributes the 1, -inf terms nothing.
        var sum = 1.0
        var skipped = a == m
        if !skipped && a != -.infinity { sum += expInPrecision(a - m) }
        if b == m && !skipped { skipped = true } else if b != -.infinity { sum += expInPrecision(b - m) }
        if !(c == m && !skipped) && c != -.infinity { sum += expInPrecision(c - m) }
        return logInPrecision(sum) + m
    }
}
