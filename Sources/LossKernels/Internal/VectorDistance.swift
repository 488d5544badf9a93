import Glibc

/// The vector measures of the embedding losses, with their gradients as PyTorch's autograd forms
/// them: `pairwise_distance` (triplet losses), `cosine_similarity` (triplet with the cosine
/// distance) and cosine_embedding_loss's own cosine. Each works on one row of D contiguous values.
enum VectorDistance {
    /// `torch.pairwise_distance(a, b, p, eps)` = ||a - b + eps||_p of one row, p > 0.
    static func pairwise(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int, p: Double, eps: Double) -> Double {
        if p == 2 { return sum(d) { i in let x = a[i] - b[i] + eps; return x * x }.squareRoot() }
        if p == 1 { return sum(d) { i in abs(a[i] - b[i] + eps) } }
        var s = 0.0
        for i in 0..<d { s += pow(abs(a[i] - b[i] + eps), p) }
        return pow(s, 1 / p)
    }

    /// The sum of `term(i)` over 0..<d in four interleaved partial sums (one SIMD add per four
    /// terms instead of a chain of dependent adds; the order differs from left to right by
    /// rounding only, far below float32's precision).
    @inline(__always)
    private static func sum(_ d: Int, _ term: (Int) -> Double) -> Double {
        var lanes = SIMD4<Double>()
        var i = 0
        while i + 4 <= d {
            lanes += SIMD4(term(i), term(i + 1), term(i + 2), term(i + 3))
            i += 4
        }
        var s = lanes.sum()
        while i < d {
            s += term(i)
            i += 1
        }
        return s
    }

    /// Adds `scale` * d pairwise(a, b) / da to `ga` and its negative to `gb` (either may be nil).
    /// PyTorch's norm backward: sign(x) for p = 1; x / ||x|| for p = 2; sign(x) |x|^(p-1) / ||x||^(p-1)
    /// otherwise; 0 where the norm is 0 (except p = 1, which is not masked).
    static func addPairwiseGradient(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int, p: Double, eps: Double, norm: Double,
        scale: Double, _ ga: UnsafeMutablePointer<Double>?, _ gb: UnsafeMutablePointer<Double>?
    ) {
        guard scale != 0 else { return }
        if p == 2, norm != 0, let ga, let gb {
            // The common case without a branch per element.
            let k = scale / norm
            for i in 0..<d {
                let v = (a[i] - b[i] + eps) * k
                ga[i] += v
                gb[i] -= v
            }
            return
        }
        for i in 0..<d {
            let x = a[i] - b[i] + eps
            let v: Double
            if p == 1 {
                v = x > 0 ? scale : x < 0 ? -scale : x.isNaN ? .nan : 0
            } else if norm == 0 {
                v = 0
            } else if p == 2 {
                v = x * (scale / norm)
            } else {
                let sign: Double = x > 0 ? 1 : x < 0 ? -1 : x.isNaN ? .nan : 0
                v = sign * pow(abs(x), p - 1) * (scale / pow(norm, p - 1))
            }
            ga?[i] += v
            gb?[i] -= v
        }
    }

    /// One row's squared norms and dot product (four interleaved partial sums each, as `sum`).
    static func moments(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int)
        -> (aa: Double, bb: Double, ab: Double)
    {
        var aa = SIMD4<Double>(), bb = SIMD4<Double>(), ab = SIMD4<Double>()
        var i = 0
        while i + 4 <= d {
            let x = SIMD4(a[i], a[i + 1], a[i + 2], a[i + 3]), y = SIMD4(b[i], b[i + 1], b[i + 2], b[i + 3])
            aa += x * x
            bb += y * y
            ab += x * y
            i += 4
        }
        var (saa, sbb, sab) = (aa.sum(), bb.sum(), ab.sum())
        while i < d {
            saa += a[i] * a[i]
            sbb += b[i] * b[i]
            sab += a[i] * b[i]
            i += 1
        }
        return (saa, sbb, sab)
    }

    /// `F.cosine_similarity(a, b, eps=1e-8)` of one row (PyTorch 2: each vector divided by its
    /// norm clamped at eps, the clamp outside autograd), and the factors of its gradient:
    /// d cos / da = b / (na nb) - cos_u a / (na ||a||), with na = max(||a||, eps), cos_u the
    /// unclamped-norm term ab / (na nb) and the second term 0 when ||a|| = 0.
    struct Cosine {
        let value: Double
        let normA: Double, normB: Double
        let clampedA: Double, clampedB: Double

        init(_ m: (aa: Double, bb: Double, ab: Double), eps: Double) {
            normA = m.aa.squareRoot()
            normB = m.bb.squareRoot()
            clampedA = Swift.max(normA, eps)
            clampedB = Swift.max(normB, eps)
            value = m.ab / (clampedA * clampedB)
        }

        /// Adds `scale` * d cos / da to `ga` and `scale` * d cos / db to `gb`.
        func addGradient(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int, scale: Double,
                         _ ga: UnsafeMutablePointer<Double>?, _ gb: UnsafeMutablePointer<Double>?) {
            guard scale != 0 else { return }
            let cross = scale / (clampedA * clampedB)
            let selfA = normA == 0 ? 0 : scale * value / (clampedA * normA)
            let selfB = normB == 0 ? 0 : scale * value / (clampedB * normB)
            for i in 0..<d {
                ga?[i] += cross * b[i] - selfA * a[i]
                gb?[i] += cross * a[i] - selfB * b[i]
            }
        }
    }
}
