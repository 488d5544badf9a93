import Glibc

/// The reference (Double) cross-entropy row: one position's C logits, its target, its gradient.
///
/// Goals in priority order: 1. PyTorch-identical semantics, including its NaNs in pytorch mode
/// (the row is computed with PyTorch's op order: log_softmax = (z - max) - log(sum exp(z - max)),
/// then nll / smoothing terms, then `grad_z = grad_lp - exp(lp) * sum(grad_lp)`); 2. stability for
/// +-inf and huge logits (max subtraction); 3. accuracy (everything in Double, also for float32
/// jobs); 4. speed (the float32 fused kernel handles the finite rows of (N, C) inputs).
///
/// ```
/// z = x / T                                   (temperature T, lossd extra)
/// lse = max + log(sum exp(z - max)),  lp = z - lse,  p = exp(lp)
/// class index t, weight w, smoothing e:
///   l = (1-e) * w[t] * (-lp[t]) + (e/C) * sum_c w[c] * (-lp[c]) + zc * lse^2
/// class probabilities y:  y' = (1-e) y + e/C,   l = -sum_c w[c] y'[c] lp[c] + zc * lse^2
/// gradient with upstream u:  q = (1-e) w[t] onehot(t) + (e/C) w   (or w * y')
///   dl/dz = u * (sum(q) + 2 zc lse) * p - u * q,   dl/dx = dl/dz / T
/// ```
struct SoftmaxRow {
    let classes: Int
    /// Class weights (length C) or nil for all ones.
    let weight: [Double]?
    let weightSum: Double
    let smoothing: Double
    let temperature: Double
    let zLoss: Double
    let pytorch: Bool

    /// Divides the row by T in place and scans it.
    func prepare(_ z: UnsafeMutableBufferPointer<Double>, stats: inout ClassRowStats) -> RowScan {
        if temperature != 1 { for c in z.indices { z[c] = z[c] / temperature } }
        let scan = RowScan(z)
        scan.record(into: &stats, classes: classes)
        return scan
    }

    @inline(__always) func w(_ c: Int) -> Double { weight?[c] ?? 1 }

    /// Class-index row. `target` is nil for an ignored position. Returns the row's loss (0 when
    /// ignored); writes `dl/dx * u` into `grad` when given.
    func indexRow(
        _ z: UnsafeMutableBufferPointer<Double>, target: Int?, upstream u: Double, position: Int,
        grad: UnsafeMutableBufferPointer<Double>?, stats: inout ClassRowStats
    ) -> Double {
        let scan = prepare(z, stats: &stats)
        let nanRow = scan.softmaxIsNaN(classes: classes)
        guard let t = target else {
            if nanRow {
                stats.ignoredNonfinite.hit(position)
                if !pytorch { stats.pytorchNaNRows.hit(position) }
            }
            if let grad {
                if pytorch && nanRow {
                    for c in 0..<classes { grad[c] = .nan; stats.gradient(.nan) }
                } else {
                    for c in 0..<classes { grad[c] = 0 }
                }
            }
            return 0
        }
        let m = scan.max
        var s = 0.0
        for c in 0..<classes { s += exp(z[c] - m) }
        let logS = log(s)
        let lse = m + logS
        let lpt = (z[t] - m) - logS
        var loss = w(t) * -lpt
        var smoothSum = 0.0
        if smoothing > 0 {
            for c in 0..<classes { smoothSum += w(c) * -((z[c] - m) - logS) }
            loss = (1 - smoothing) * loss + (smoothing / Double(classes)) * smoothSum
        }
        if zLoss > 0 { loss += zLoss * lse * lse }
        // Diagnostics of a counted row.
        stats.loss.add(loss)
        stats.lossSum += loss
        if scan.nan > 0 || scan.posInf > 0 { stats.nonfinite.hit(position) }
        if z[t] == -.infinity { stats.targetNegInf.hit(position) }
        if z[t].isFinite && z[t] - m < -87.33654 { stats.extreme.hit(position) }
        if scan.looksLikeProbabilities(classes: classes) { stats.looksLikeProbabilities.hit(position) }
        stats.classifiedRows += 1
        stats.nllSum += -lpt
        if scan.nan == 0 && scan.argmax == t && z[t] == m { stats.countCorrect(position) }
        stats.confidenceSum += 1 / s
        // grad_lp[c] = -u * q[c]; sum(grad_lp) = -u * sum(q). One exp per element serves the
        // entropy and the gradient.
        let nllSlot = (1 - (smoothing > 0 ? smoothing : 0)) * w(t) * -u
        let smoothScale = smoothing > 0 ? (smoothing / Double(classes)) * -u : 0
        let sumGo = nllSlot + (smoothing > 0 ? smoothScale * weightSum : 0)
        let zScale = zLoss > 0 ? u * 2 * zLoss * lse : 0
        var entropy = 0.0
        for c in 0..<classes {
            let lp = (z[c] - m) - logS
            let p = exp(lp)
            if p > 0 { entropy -= p * lp }
            guard let grad else { continue }
            var go = c == t ? nllSlot : 0
            if smoothing > 0 { go += smoothScale * w(c) }
            var g = go - p * sumGo
            if zLoss > 0 { g += zScale * p }
            if temperature != 1 { g = g / temperature }
            grad[c] = g
            stats.gradient(g)
        }
        stats.entropySum += entropy
        return loss
    }

    /// Class-probability row: `y` holds the row's targets. Every row is counted.
    func probabilityRow(
        _ z: UnsafeMutableBufferPointer<Double>, y: UnsafeMutableBufferPointer<Double>, upstream u: Double,
        position: Int, grad: UnsafeMutableBufferPointer<Double>?, stats: inout ClassRowStats
    ) -> Double {
        let scan = prepare(z, stats: &stats)
        let m = scan.max
        var s = 0.0
        for c in 0..<classes { s += exp(z[c] - m) }
        let logS = log(s)
        let lse = m + logS
        var ySum = 0.0
        var negative = false
        var loss = 0.0
        var sumQ = 0.0
        for c in 0..<classes {
            ySum += y[c]
            if y[c] < 0 { negative = true }
            if smoothing > 0 { y[c] = y[c] * (1 - smoothing) + smoothing / Double(classes) }
            let q = y[c] * w(c)
            loss -= ((z[c] - m) - logS) * q
            sumQ += q
        }
        if zLoss > 0 { loss += zLoss * lse * lse }
        stats.loss.add(loss)
        stats.lossSum += loss
        if negative || abs(ySum - 1) > 1e-3 { stats.unnormalizedTargets.hit(position) }
        if scan.nan > 0 || scan.posInf > 0 { stats.nonfinite.hit(position) }
        if scan.looksLikeProbabilities(classes: classes) { stats.looksLikeProbabilities.hit(position) }
        stats.classifiedRows += 1
        stats.confidenceSum += 1 / s
        var best = 0
        for c in 1..<classes where y[c] > y[best] { best = c }
        if scan.nan == 0 && scan.argmax == best { stats.countCorrect(position) }
        let sumGo = -u * sumQ
        let zScale = zLoss > 0 ? u * 2 * zLoss * lse : 0
        var entropy = 0.0
        for c in 0..<classes {
            let lp = (z[c] - m) - logS
            let p = exp(lp)
            if p > 0 { entropy -= p * lp }
            guard let grad else { continue }
            var g = -u * (y[c] * w(c)) - p * sumGo
            if zLoss > 0 { g += zScale * p }
            if temperature != 1 { g = g / temperature }
            grad[c] = g
            stats.gradient(g)
        }
        stats.entropySum += entropy
        return loss
    }
}
