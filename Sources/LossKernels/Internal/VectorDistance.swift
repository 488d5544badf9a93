import Glibc

/// The vector measures of the embedding losses, with their gradients as PyTorch's autograd forms
/// them: `pairwise_distance` (triplet losses), `cosine_similarity` (triplet with the cosine
/// distance) and cosine_embedding_loss's own cosine. Each works on one row of D contiguous values.
enum VectorDistance {
    /// `torch.pairwise_distance(a, b, p, eps)` = ||a - b + eps||_p of one row, p > 0.
    static func pairwise(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int, p: Double, eps: Double) -> Double {
        var s = 0.0
        if p == 2 {
            for i in 0..<d { let x = a[i] - b[i] + eps; s += x * x }
            return s.squareRoot()
        }
        if p == 1 {
            for i in 0..<d { s += abs(a[i] - b[i] + eps) }
            return s
        }
        for i in 0..<d { s += pow(abs(a[i] - b[i] + eps), p) }
        return pow(s, 1 / p)
    }

    /// Adds `scale` * d pairwise(a, b) / da to `ga` and its negative to `gb` (either may be nil).
    /// PyTorch's norm backward: sign(x) for p = 1; x / ||x|| for p = 2; sign(x) |x|^(p-1) / ||x||^(p-1)
    /// otherwise; 0 where the norm is 0 (except p = 1, which is not masked).
    static func addPairwiseGradient(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int, p: Double, eps: Double, norm: Double,
        scale: Double, _ ga: UnsafeMutablePointer<Double>?, _ gb: UnsafeMutablePointer<Double>?
    ) {
        guard scale != 0 else { return }
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

    /// One row's squared norms and dot product.
    static func moments(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int)
        -> (aa: Double, bb: Double, ab: Double)
    {
        var aa = 0.0, bb = 0.0, ab = 0.0
        for i in 0..<d {
            aa += a[i] * a[i]
            bb += b[i] * b[i]
            ab += a[i] * b[i]
        }
        return (aa, bb, ab)
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
