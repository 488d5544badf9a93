import Glibc

/// One ctc_loss sample's forward-backward recursion in log space, step for step as PyTorch's
/// CPU kernel (aten/src/ATen/native/LossCTC.cpp) runs it, on the extended target
/// l' = (blank, t1, blank, t2, ..., tL, blank) of length S = 2L + 1.
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
struct CTCAlignment {
    /// Every log-probability of the job, (T, N, C) row-major (N = 1 when unbatched).
    let logProbs: UnsafeBufferPointer<Double>
    let batch: Int
    let classes: Int
    let blank: Int

    /// Scratch for one sample: alpha and beta, input length x S each.
    struct Scratch {
        var alpha: [Double] = []
        var beta: [Double] = []
    }

    /// The log-probability of class `c` at frame `t` of sample `b`.
    @inline(__always) func lp(_ t: Int, _ b: Int, _ c: Int) -> Double { logProbs[(t * batch + b) * classes + c] }

    /// The negative log likelihood of `target` for sample `b` over its first `frames` frames;
    /// leaves alpha in `scratch` for `gradient`. An empty input aligns only an empty target.
    func negativeLogLikelihood(_ b: Int, target: ArraySlice<Int>, frames: Int, _ scratch: inout Scratch) -> Double {
        let length = target.count, states = 2 * length + 1
        guard frames > 0 else { return length == 0 ? 0 : .infinity }
        @inline(__always) func label(_ s: Int) -> Int { s & 1 == 0 ? blank : target[target.startIndex + s >> 1] }
        scratch.alpha.removeAll(keepingCapacity: true)
        scratch.alpha.append(contentsOf: repeatElement(-Double.infinity, count: frames * states))
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
                    alpha[t * states + s] = logSumExp(a1, a2, a3) + lp(t, b, current)
                }
            }
            let last = (frames - 1) * states + 2 * length
            return -logSumExp(alpha[last], length > 0 ? alpha[last - 1] : -.infinity, -.infinity)
        }
    }

    /// Writes sample `b`'s gradient (frames < `frames`; the rest stays 0) into `grad`, laid out
    /// like the log-probabilities, from the alpha `negativeLogLikelihood` left in `scratch`.
    func gradient(
        _ b: Int, target: ArraySlice<Int>, frames: Int, nll: Double, upstream: Double, _ scratch: inout Scratch,
        into grad: UnsafeMutableBufferPointer<Double>
    ) {
        guard frames > 0 else { return }
        let length = target.count, states = 2 * length + 1
        @inline(__always) func label(_ s: Int) -> Int { s & 1 == 0 ? blank : target[target.startIndex + s >> 1] }
        @inline(__always) func at(_ t: Int, _ c: Int) -> Int { (t * batch + b) * classes + c }
        for t in 0..<frames { for c in 0..<classes { grad[at(t, c)] = -.infinity } }
        scratch.beta.removeAll(keepingCapacity: true)
        scratch.beta.append(contentsOf: repeatElement(-Double.infinity, count: frames * states))
        scratch.alpha.withUnsafeBufferPointer { alpha in
            scratch.beta.withUnsafeMutableBufferPointer { beta in
                /// ab[t][l'[s]] log+= alpha[t][s] + beta[t][s], in PyTorch's order.
                func collect(_ t: Int, _ s: Int) {
                    let ab = alpha[t * states + s] + beta[t * states + s]
                    let slot = at(t, label(s))
                    if grad[slot] == -.infinity {
                        grad[slot] = ab
                    } else {
                        let m = Swift.max(grad[slot], ab)
                        grad[slot] = log(exp(grad[slot] - m) + exp(ab - m)) + m
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
                        beta[t * states + s] = logSumExp(b1, b2, b3) + lp(t, b, current)
                        collect(t, s)
                    }
                }
            }
        }
        for t in 0..<frames {
            for c in 0..<classes {
                let x = lp(t, b, c)
                grad[at(t, c)] = (exp(x) - exp(grad[at(t, c)] + nll - x)) * upstream
            }
        }
    }

    /// log(exp(a) + exp(b) + exp(c)) as PyTorch's kernel computes it (the max of the finite
    /// ones shifted out; all -inf gives -inf).
    @inline(__always) private func logSumExp(_ a: Double, _ b: Double, _ c: Double) -> Double {
        var m = a
        if b > m { m = b }
        if c > m { m = c }
        if m == -.infinity { m = 0 }
        return log(exp(a - m) + exp(b - m) + exp(c - m)) + m
    }
}
