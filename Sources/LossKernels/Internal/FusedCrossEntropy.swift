import Glibc

/// The fused float32 cross-entropy kernel for class-index targets with contiguous classes
/// (input (C) or (N, C); K-dimensional inputs are transposed to rows by the caller): per row, forward value and gradient in three sweeps over the row while
/// it stays in cache, rows split across both cores for large batches.
///
/// Goals in priority order: 1. the same semantics as `SoftmaxRow` (weights, ignore_index, label
/// smoothing, temperature, z-loss, upstream gradient; rows with NaN, +inf or only -inf are handed
/// to `SoftmaxRow` in Double, so PyTorch's NaNs are reproduced exactly); 2. stability (max
/// subtraction, -inf logits give exp = 0); 3. accuracy (float32 lanes, every sum flushed to Double
/// every 4096 elements, row scalars in Double); 4. speed: 8-lane SIMD with comparison masks and
/// vector accumulators (no `pointwiseMax`, which the compiler scalarized), `vectorExp`, no
/// allocation per row.
///
/// ```
/// sweep 1:  xmax, xmin, sum x                           (NaN / +inf / all -inf -> Double path)
/// sweep 2:  e = exp((x - xmax) / T) stored in grad, S = sum e, sum e * (x - xmax) / T (entropy)
/// scalars:  lse = xmax / T + log S,  loss = (1-e) w[t] (lse - z[t]) + (e/C) sum_c w[c] (lse - z[c]) + zc lse^2
/// sweep 3:  grad = A e - B w  (target slot: - D)
///           A = u (sum q + 2 zc lse) / (T S),  B = u e / (C T),  D = u (1-e) w[t] / T
/// ```
enum FusedCrossEntropy {
    typealias V = FloatLanes
    private static let lanes = V.scalarCount
    /// Elements between flushes of float lane accumulators into Double.
    private static let flushEvery = 4096

    /// Rows per chunk: about 64 Ki elements, the unit the threads take from the shared queue.
    static func chunkRows(classes: Int) -> Int { max(1, (1 << 16) / max(classes, 1)) }

    /// Runs every row; returns the merged statistics. `losses` receives each row's loss.
    /// Threads take chunks of rows from a queue (a descheduled thread on a busy machine does not
    /// hold the other back); statistics are kept per chunk and merged in row order, so the
    /// result does not depend on scheduling.
    static func run(
        x: UnsafeBufferPointer<Float>, classes: Int, targets: [Int], row: SoftmaxRow,
        upstream: (scalar: Double, perRow: [Double]?), losses: UnsafeMutableBufferPointer<Double>,
        grad: UnsafeMutableBufferPointer<Float>?, maxThreads: Int
    ) -> ClassRowStats {
        let rows = targets.count
        let perChunk = chunkRows(classes: classes)
        let queue = ChunkQueue(count: (rows + perChunk - 1) / perChunk)
        var chunkStats = [ClassRowStats](repeating: ClassRowStats(), count: queue.count)
        let weight = row.weight.map { $0.map(Float.init) }
        chunkStats.withUnsafeMutableBufferPointer { chunkStats in
            ParallelRows.run(parts: ParallelRows.parts(rows: rows, work: rows * classes, maxThreads: maxThreads)) { _ in
                var zScratch = [Double](), gScratch = [Double]()
                weight.withOptionalBuffer { w in
                    while let chunk = queue.next() {
                        var stats = ClassRowStats()
                        for r in (chunk * perChunk)..<min(rows, (chunk + 1) * perChunk) {
                            let xr = x.baseAddress! + r * classes
                            let gr = grad.map { $0.baseAddress! + r * classes }
                            let u = upstream.perRow?[r] ?? upstream.scalar
                            let t = targets[r] >= 0 ? targets[r] : nil
                            if let fast = fastRow(xr, classes, target: t, u: u, row: row, w: w, grad: gr, position: r,
                                                  stats: &stats) {
                                losses[r] = fast
                                continue
                            }
                            if zScratch.isEmpty {
                                zScratch = [Double](repeating: 0, count: classes)
                                gScratch = [Double](repeating: 0, count: classes)
                            }
                            losses[r] = zScratch.withUnsafeMutableBufferPointer { z in
                                gScratch.withUnsafeMutableBufferPointer { g in
                                    for c in 0..<classes { z[c] = Double(xr[c]) }
                                    let loss = row.indexRow(z, target: t, upstream: u, position: r,
                                                            grad: gr == nil ? nil : g, stats: &stats)
                                    if let gr { for c in 0..<classes { gr[c] = Float(g[c]) } }
                                    return loss
                                }
                            }
                        }
                        chunkStats[chunk] = stats
                    }
                }
            }
        }
        var merged = ClassRowStats()
        for s in chunkStats { merged.merge(s) }
        return merged
    }

    /// One row on the vector path, or nil (nothing written) when the row has NaN, +inf or only
    /// -inf values and must take the Double path.
    @inline(__always)
    private static func fastRow(
        _ x: UnsafePointer<Float>, _ C: Int, target: Int?, u: Double, row: SoftmaxRow, w: UnsafeBufferPointer<Float>?,
        grad: UnsafeMutablePointer<Float>?, position: Int, stats: inout ClassRowStats
    ) -> Double? {
        let raw = UnsafeRawPointer(x)
        let blocks = C / lanes * lanes
        // Sweep 1: max, min, sum (a NaN poisons the sum; +inf shows in the max).
        let (xmax, xmin, sumX) = maxMinSum(x, C)
        guard !sumX.isNaN, xmax < .infinity, xmax > -.infinity else { return nil }
        // The row is finite apart from possible -inf entries.
        var finiteMin = Double(xmin)
        if xmin == -.infinity {
            var negInf = 0
            finiteMin = .infinity
            for c in 0..<C { if x[c] == -.infinity { negInf += 1 } else { finiteMin = min(finiteMin, Double(x[c])) } }
            stats.negInf += negInf
        }
        let T = row.temperature
        stats.logitMin = min(stats.logitMin, finiteMin / T)
        stats.logitMax = max(stats.logitMax, Double(xmax) / T)
        guard let t = target else {
            if let grad { grad.initialize(repeating: 0, count: C) }
            return 0
        }
        // Sweep 2: e = exp(z - m), S, entropy numerator.
        let invT = 1 / T
        let vx = V(repeating: xmax), vInvT = V(repeating: Float(invT))
        var vs = V(), vent = V()
        var s = 0.0, entropyDot = 0.0
        // Rows whose whole range lies within exp's domain (the usual case) skip clamp and flush.
        let inRange = (Double(xmin) - Double(xmax)) * invT > Double(vectorExpLowest)
        var i = 0
        while i < blocks {
            let end = min(blocks, i + flushEvery)
            if inRange {
                while i < end {
                    let z = (raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - vx) * vInvT
                    let e = vectorExp(inRange: z)
                    grad.map { UnsafeMutableRawPointer($0 + i).storeBytes(of: e, as: V.self) }
                    vs += e
                    vent += e * z
                    i += lanes
                }
            } else {
                while i < end {
                    var z = (raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - vx) * vInvT
                    let flush = z .< vectorExpLowest  // includes -inf entries: exp gives 0, z stays finite
                    z.replace(with: vectorExpLowest, where: flush)
                    let e = vectorExp(clamped: z, flush: flush)
                    grad.map { UnsafeMutableRawPointer($0 + i).storeBytes(of: e, as: V.self) }
                    vs += e
                    vent += e * z
                    i += lanes
                }
            }
            s += laneSum(vs)
            entropyDot += laneSum(vent)
            vs = V()
            vent = V()
        }
        while i < C {
            let z = (Double(x[i]) - Double(xmax)) * invT
            let e = z < -87.33654 ? 0 : exp(z)  // flushed like the vector lanes
            grad?[i] = Float(e)
            s += e
            if e > 0 { entropyDot += e * z }
            i += 1
        }
        // Row scalars in Double.
        let m = Double(xmax) * invT
        let logS = log(s)
        let lse = m + logS
        let zt = Double(x[t]) * invT
        let lpt = (Double(x[t]) - Double(xmax)) * invT - logS
        let eps = row.smoothing
        let wt = w.map { Double($0[t]) } ?? 1
        var loss = wt * -lpt
        if eps > 0 {
            // sum_c w[c] lp[c] = (sum_c w[c] x[c] - xmax sum w) / T - logS sum w
            let dot = w.map { weightedSum(x, $0, C) } ?? sumX
            let smooth = -((dot - Double(xmax) * row.weightSum) * invT - logS * row.weightSum)
            loss = (1 - eps) * loss + (eps / Double(C)) * smooth
        }
        if row.zLoss > 0 { loss += row.zLoss * lse * lse }
        stats.loss.add(loss)
        stats.lossSum += loss
        if x[t] == -.infinity { stats.targetNegInf.hit(position) }
        if zt.isFinite && zt - m < -87.33654 { stats.extreme.hit(position) }
        if C >= 2 && xmin >= 0 && m <= 1 && abs(sumX * invT - 1) <= 1e-3 {
            stats.looksLikeProbabilities.hit(position)
        }
        stats.classifiedRows += 1
        stats.nllSum += -lpt
        if x[t] == xmax && !(0..<t).contains(where: { x[$0] == xmax }) { stats.countCorrect(position) }
        stats.confidenceSum += 1 / s
        stats.entropySum += logS - entropyDot / s
        guard let grad else { return loss }
        // Sweep 3: grad = A e - B w, target slot - D.
        let sumQ = (1 - eps) * wt + (eps > 0 ? (eps / Double(C)) * row.weightSum : 0)
        let a = u * (sumQ + (row.zLoss > 0 ? 2 * row.zLoss * lse : 0)) * invT / s
        let b = eps > 0 ? u * (eps / Double(C)) * invT : 0
        let d = u * (1 - eps) * wt * invT
        let va = V(repeating: Float(a)), vb = V(repeating: Float(b))
        let targetBlock = t < blocks ? t / lanes * lanes : -1
        var vsq = V(), vabs = V()
        var sumSquares = 0.0
        var maxAbs: Float = 0
        let graw = UnsafeMutableRawPointer(grad)
        let wraw = w.map { UnsafeRawPointer($0.baseAddress!) }
        i = 0
        while i < blocks {
            let end = min(blocks, i + flushEvery)
            while i < end {
                let e = graw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                var g = wraw.map { va * e - vb * $0.loadUnaligned(fromByteOffset: i * 4, as: V.self) } ?? va * e - vb
                if i == targetBlock { g[t - i] -= Float(d) }
                graw.storeBytes(of: g, toByteOffset: i * 4, as: V.self)
                vsq += g * g
                let magnitude = unsafeBitCast(unsafeBitCast(g, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
                vabs.replace(with: magnitude, where: magnitude .> vabs)
                i += lanes
            }
            sumSquares += laneSum(vsq)
            vsq = V()
        }
        maxAbs = laneMax(vabs)
        while i < C {
            var g = Float(a * Double(grad[i]) - b * (w.map { Double($0[i]) } ?? 1))
            if i == t { g -= Float(d) }
            grad[i] = g
            sumSquares += Double(g) * Double(g)
            maxAbs = max(maxAbs, abs(g))
            i += 1
        }
        stats.gradSumSquares += sumSquares
        stats.gradMaxAbs = max(stats.gradMaxAbs, Double(maxAbs))
        return loss
    }

    /// sum_c w[c] x[c] in Double (only needed with label smoothing and class weights).
    private static func weightedSum(_ x: UnsafePointer<Float>, _ w: UnsafeBufferPointer<Float>, _ C: Int) -> Double {
        var s = 0.0
        for c in 0..<C { s += Double(w[c]) * Double(x[c]) }
        return s
    }
}

extension Optional where Wrapped == [Float] {
    /// Runs `body` with the array's buffer, or nil.
    func withOptionalBuffer<R>(_ body: (UnsafeBufferPointer<Float>?) -> R) -> R {
        switch self {
        case .some(let a): return a.withUnsafeBufferPointer { body($0) }
        case .none: return body(nil)
        }
    }
}
