import Glibc

/// The fused linear + cross-entropy kernel: logits `z = f(x W^T + b) / T` (f: the optional
/// softcap `cap tanh(l / cap)`) and their cross entropy, without the N x C logits or their
/// gradient ever existing at once.
///
/// Goals in priority order: 1. the semantics of `SoftmaxRow` on the logits torch's composite
/// would build (weights, ignore_index, label smoothing, temperature, z-loss, probability targets,
/// PyTorch's NaNs in pytorch mode); 2. working memory bounded by `memoryBudget`, not by N or C;
/// 3. every product in BLAS (sgemm / dgemm); 4. accuracy: row sums in Double, so a 256000-class
/// row does not drift in float32.
///
/// Rows (positions) are taken in blocks of `rowsPerBlock`, the vocabulary in blocks of
/// `classesPerBlock`. Per row block:
/// ```
/// pass A  for each vocabulary block: Z = Xb Wv^T + bv (BLAS), z = f(Z) / T, then per row an
///         online log-sum-exp: m' = max(m, max z), S = S e^(m - m') + sum e^(z - m'), the target's
///         z, sum w z (smoothing) or sum q z (probabilities)
/// rows    lse = m + log S, loss = sumQ lse - sum q z + zc lse^2
/// pass B  for each vocabulary block: Z again (unless pass A had the whole vocabulary in one block,
///         then Z is still there), dZ = u ((sumQ + 2 zc lse) softmax - q) / T * f', then
///         dXb += dZ Wv,  dWv += dZ^T Xb,  dbv += column sums of dZ   (BLAS)
/// ```
/// With the whole vocabulary in one block (the default budget covers C + 3H elements per row
/// for 100+ rows) the logits are computed once: three products per block, as torch's chunked
/// path does; with a smaller budget the logits are recomputed in pass B (four).
///
/// Rows that add nothing are not computed: in safe mode an ignored position is skipped unless
/// its hidden state or the weights hold a non-finite value (then its logits are evaluated for
/// the IGNORED_ROW_NONFINITE diagnostics), and it never enters the gradient products. In pytorch
/// mode every row is computed and enters them, as in torch's composite, so that `0 * inf` in an
/// ignored row gives torch's NaNs.
enum LinearHead {
    /// The targets of every position (n, k) at flat position `n * slices + k`.
    enum Targets {
        /// Class per position, -1 when ignored.
        case indices([Int])
        /// Class probabilities in the logits' layout.
        case probabilities([Double], ClassLayout)
    }

    /// Sizes and settings of one job.
    struct Problem {
        /// Hidden-state rows N (1 for an unbatched input), hidden size H, classes C, and K, the
        /// product of linear_weight's middle dimensions (1 without).
        var inputs: Int, hidden: Int, classes: Int, slices: Int
        /// Class weights, smoothing, temperature, z-loss and compat mode.
        var row: SoftmaxRow
        /// The softcap (0: none).
        var softcap: Double
        /// Softmax entries below this are left out of the gradient (0: exact).
        var filterThreshold: Double
        var memoryBudget: Int
        var maxThreads: Int
        var computeGradient: Bool
    }

    /// Gradients in the job's element type (the bias's in Double until it is assembled).
    struct Output<T> {
        var losses: [Double]
        var stats = ClassRowStats()
        var gradInput: [T]?
        var gradWeight: [T]?
        var gradBias: [Double]?
    }

    /// Rows and classes per block for a budget of `bytes`: the whole vocabulary when at least 64
    /// rows (or all of them) fit, else 64 rows and as many classes as fit (at least 16).
    static func blockSizes(rows: Int, classes: Int, hidden: Int, elementSize: Int, bytes: Int) -> (rows: Int, classes: Int) {
        let elements = max(1, bytes / elementSize)
        let wanted = max(1, min(rows, 64))
        let fullRows = elements / (classes + 3 * hidden)
        if fullRows >= wanted { return (min(fullRows, max(rows, 1), 2048), classes) }
        let classesPerBlock = (elements - 3 * wanted * hidden) / wanted
        return (wanted, min(classes, max(16, classesPerBlock)))
    }

    static func run<T: LinearHeadScalar>(
        x: UnsafeBufferPointer<T>, w: UnsafeBufferPointer<T>, bias: UnsafeBufferPointer<T>?, problem p: Problem,
        targets: Targets, upstream: (scalar: Double, perRow: [Double]?)
    ) -> Output<T> {
        BLAS.exclusive(threads: p.maxThreads) {
            var run = Run<T>(x: x, w: w, bias: bias, p: p, targets: targets, upstream: upstream)
            for k in 0..<p.slices { run.slice(k) }
            return run.out
        }
    }
}

/// One job's state while it runs (see `LinearHead`).
private struct Run<T: LinearHeadScalar> {
    let x: UnsafeBufferPointer<T>, w: UnsafeBufferPointer<T>, bias: UnsafeBufferPointer<T>?
    let p: LinearHead.Problem
    let targets: LinearHead.Targets
    let upstream: (scalar: Double, perRow: [Double]?)
    var out: LinearHead.Output<T>
    let H: Int, C: Int, K: Int
    let rowsPerBlock: Int, classesPerBlock: Int
    /// Whether rows that add nothing must still be evaluated (pytorch mode), or may be skipped
    /// unless their hidden state is non-finite (`nonfiniteInput`, safe mode).
    let evaluateAll: Bool
    let nonfiniteInput: [Bool]
    let classWeight: [T]?
    // Scratch of one block (the working memory the budget bounds).
    var logits: [T], packed: [T], packedGrad: [T], gradBlock: [T]
    var biasSlice: [T]

    init(x: UnsafeBufferPointer<T>, w: UnsafeBufferPointer<T>, bias: UnsafeBufferPointer<T>?, p: LinearHead.Problem,
         targets: LinearHead.Targets, upstream: (scalar: Double, perRow: [Double]?)) {
        (self.x, self.w, self.bias, self.p, self.targets, self.upstream) = (x, w, bias, p, targets, upstream)
        (H, C, K) = (p.hidden, p.classes, p.slices)
        (rowsPerBlock, classesPerBlock) = LinearHead.blockSizes(
            rows: p.inputs, classes: p.classes, hidden: p.hidden, elementSize: MemoryLayout<T>.size, bytes: p.memoryBudget)
        out = LinearHead.Output(losses: [Double](repeating: 0, count: p.inputs * p.slices))
        if p.computeGradient {
            out.gradInput = [T](repeating: 0, count: x.count)
            out.gradWeight = [T](repeating: 0, count: w.count)
            if bias != nil { out.gradBias = [Double](repeating: 0, count: p.classes * p.slices) }
        }
        let weightsFinite = w.allSatisfy(\.isFinite) && (bias?.allSatisfy(\.isFinite) ?? true)
        evaluateAll = p.row.pytorch || !weightsFinite
        let (h, n) = (p.hidden, p.inputs)
        nonfiniteInput = evaluateAll ? [] : (0..<n).map { i in !(0..<h).allSatisfy { x[i * h + $0].isFinite } }
        classWeight = p.row.weight.map { $0.map { T($0) } }
        logits = [T](repeating: 0, count: rowsPerBlock * classesPerBlock)
        packed = [T](repeating: 0, count: rowsPerBlock * p.hidden)
        packedGrad = p.computeGradient ? packed : []
        gradBlock = packedGrad
        biasSlice = bias == nil ? [] : [T](repeating: 0, count: p.classes)
    }

    /// The target of position r, nil when ignored (probability rows are always counted).
    func target(_ r: Int) -> Int? {
        switch targets {
        case .indices(let t): return t[r] >= 0 ? t[r] : nil
        case .probabilities: return 0
        }
    }

    /// All rows of slice k (positions n * K + k), block by block.
    mutating func slice(_ k: Int) {
        if let bias { for c in 0..<C { biasSlice[c] = bias[c * K + k] } }
        var block: [Int] = []
        block.reserveCapacity(rowsPerBlock)
        for n in 0..<p.inputs {
            let r = n * K + k
            guard target(r) != nil || evaluateAll || nonfiniteInput[n] else { continue }
            block.append(n)
            if block.count == rowsPerBlock {
                rowBlock(block, k)
                block.removeAll(keepingCapacity: true)
            }
        }
        if !block.isEmpty { rowBlock(block, k) }
    }

    /// Z[i, 0..<width] = f(x[rows[i]] . W[v0 + c, k] + b[v0 + c, k]) / T for the packed rows.
    mutating func logits(rows m: Int, from packed: [T], classes v0: Int, width: Int, slice k: Int) {
        let ld = classesPerBlock
        logits.withUnsafeMutableBufferPointer { z in
            if bias != nil {
                biasSlice.withUnsafeBufferPointer { b in
                    for i in 0..<m { (z.baseAddress! + i * ld).update(from: b.baseAddress! + v0, count: width) }
                }
            }
            packed.withUnsafeBufferPointer { xb in
                T.gemm(transA: false, transB: true, m: m, n: width, k: H, alpha: 1, a: xb.baseAddress!, lda: max(H, 1),
                       b: w.baseAddress! + (v0 * K + k) * H, ldb: max(K * H, 1), beta: bias == nil ? 0 : 1,
                       c: z.baseAddress!, ldc: ld)
            }
            let cap = p.softcap, invT = 1 / p.row.temperature
            guard cap > 0 || invT != 1 else { return }
            for i in 0..<m {
                let zi = z.baseAddress! + i * ld
                if cap > 0 {
                    for c in 0..<width { zi[c] = T(cap * tanh(Double(zi[c]) / cap) * invT) }
                } else {
                    let s = T(invT)
                    for c in 0..<width { zi[c] *= s }
                }
            }
        }
    }

    /// Copies the hidden states of `rows` into `into`, one row after another.
    func pack(_ rows: [Int], into buffer: inout [T]) {
        buffer.withUnsafeMutableBufferPointer { b in
            for (i, n) in rows.enumerated() { (b.baseAddress! + i * H).update(from: x.baseAddress! + n * H, count: H) }
        }
    }

    mutating func rowBlock(_ rows: [Int], _ k: Int) {
        let m = rows.count
        pack(rows, into: &packed)
        var states = [RowState](repeating: RowState(), count: m)
        var v0 = 0
        while v0 < C {
            let width = min(classesPerBlock, C - v0)
            logits(rows: m, from: packed, classes: v0, width: width, slice: k)
            logits.withUnsafeBufferPointer { z in
                for i in 0..<m {
                    states[i].add(z.baseAddress! + i * classesPerBlock, width, from: v0, run: self, position: rows[i] * K + k)
                }
            }
            v0 += width
        }
        for i in 0..<m { finish(&states[i], position: rows[i] * K + k) }
        guard p.computeGradient else { return }
        // Rows that enter the gradient products: counted ones, and in pytorch mode every one.
        let gradIndices = (0..<m).filter { p.row.pytorch || target(rows[$0] * K + k) != nil }
        guard !gradIndices.isEmpty else { return }
        let gradRows = gradIndices.map { rows[$0] }
        let reuse = classesPerBlock == C && gradIndices.count == m
        if !reuse { pack(gradRows, into: &packedGrad) }
        let mg = gradRows.count
        v0 = 0
        while v0 < C {
            let width = min(classesPerBlock, C - v0)
            if !reuse { logits(rows: mg, from: packedGrad, classes: v0, width: width, slice: k) }
            // Swapped out while written: `gradient` reads the rest of the run.
            var block: [T] = []
            swap(&block, &logits)
            block.withUnsafeMutableBufferPointer { z in
                for (i, j) in gradIndices.enumerated() {
                    gradient(z.baseAddress! + i * classesPerBlock, width, from: v0, state: states[j],
                             position: rows[j] * K + k)
                }
            }
            swap(&block, &logits)
            products(rows: mg, of: reuse ? packed : packedGrad, classes: v0, width: width, slice: k, first: v0 == 0)
            v0 += width
        }
        gradBlock.withUnsafeBufferPointer { g in
            out.gradInput!.withUnsafeMutableBufferPointer { gx in
                for (i, n) in gradRows.enumerated() {
                    for h in 0..<H { gx[n * H + h] += g[i * H + h] }
                }
            }
        }
    }

    /// dXb (+)= dZ Wv, dWv += dZ^T Xb, dbv += column sums of dZ for one vocabulary block. With
    /// gradient filtering, runs of 256 classes whose dZ is all zero are left out of the products.
    mutating func products(rows m: Int, of packedRows: [T], classes v0: Int, width: Int, slice k: Int, first: Bool) {
        let ld = classesPerBlock
        var spans: [Range<Int>] = [0..<width]
        if p.filterThreshold > 0 {
            spans = []
            logits.withUnsafeBufferPointer { z in
                var c = 0
                while c < width {
                    let end = min(width, c + 256)
                    let live = (0..<m).contains { i in (c..<end).contains { z[i * ld + $0] != 0 } }
                    if live {
                        if let last = spans.last, last.upperBound == c { spans[spans.count - 1] = last.lowerBound..<end }
                        else { spans.append(c..<end) }
                    }
                    c = end
                }
            }
        }
        if first { gradBlock.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        logits.withUnsafeBufferPointer { z in
            gradBlock.withUnsafeMutableBufferPointer { gx in
                packedRows.withUnsafeBufferPointer { xb in
                    out.gradWeight!.withUnsafeMutableBufferPointer { gw in
                        for span in spans {
                            let c0 = v0 + span.lowerBound
                            T.gemm(transA: false, transB: false, m: m, n: H, k: span.count, alpha: 1,
                                   a: z.baseAddress! + span.lowerBound, lda: ld,
                                   b: w.baseAddress! + (c0 * K + k) * H, ldb: max(K * H, 1), beta: 1, c: gx.baseAddress!,
                                   ldc: max(H, 1))
                            T.gemm(transA: true, transB: false, m: span.count, n: H, k: m, alpha: 1,
                                   a: z.baseAddress! + span.lowerBound, lda: ld, b: xb.baseAddress!, ldb: max(H, 1), beta: 1,
                                   c: gw.baseAddress! + (c0 * K + k) * H, ldc: max(K * H, 1))
                        }
                    }
                }
            }
            guard out.gradBias != nil else { return }
            for c in 0..<width {
                var s = 0.0
                for i in 0..<m { s += Double(z[i * ld + c]) }
                out.gradBias![(v0 + c) * K + k] += s
            }
        }
    }

    /// The upstream gradient of position r.
    func upstream(_ r: Int) -> Double { upstream.perRow?[r] ?? upstream.scalar }

    /// Pass A's end for one row: log-sum-exp, loss, diagnostics.
    mutating func finish(_ s: inout RowState, position r: Int) {
        let row = p.row
        s.bad = s.nan > 0 || s.posInf > 0 || s.max == -.infinity
        s.lse = s.bad ? .nan : s.max + log(s.sum)
        // The diagnostics SoftmaxRow records (RowScan.record and indexRow / probabilityRow).
        // Swapped out and back: a copy would share (and copy on write) the warning samples.
        var stats = ClassRowStats()
        swap(&stats, &out.stats)
        defer { swap(&stats, &out.stats) }
        stats.nan += s.nan; stats.posInf += s.posInf; stats.negInf += s.negInf
        if s.negInf == C { stats.fullyMasked += 1 }
        stats.logitMin = min(stats.logitMin, s.finiteMin); stats.logitMax = max(stats.logitMax, s.finiteMax)
        guard let t = target(r) else {
            if s.bad {
                stats.ignoredNonfinite.hit(r)
                if !row.pytorch { stats.pytorchNaNRows.hit(r) }
            }
            return
        }
        let e = row.smoothing
        var loss: Double
        switch targets {
        case .indices:
            let lpt = s.targetZ - s.lse
            loss = row.w(t) * -lpt
            if e > 0 {
                let smooth = row.weightSum * s.lse - (row.weight == nil ? s.zSum : s.weightedZ)
                loss = (1 - e) * loss + (e / Double(C)) * smooth
            }
            stats.nllSum += -lpt
            if s.targetZ == -.infinity { stats.targetNegInf.hit(r) }
            if s.targetZ.isFinite && s.targetZ - s.max < -87.33654 { stats.extreme.hit(r) }
            if s.nan == 0 && s.argmax == t { stats.countCorrect(r) }
        case .probabilities:
            loss = s.sumQ * s.lse - s.weightedZ
            if s.targetNegative || abs(s.targetSum - 1) > 1e-3 { stats.unnormalizedTargets.hit(r) }
            if s.nan == 0 && s.argmax == s.targetArgmax { stats.countCorrect(r) }
        }
        if row.zLoss > 0 { loss += row.zLoss * s.lse * s.lse }
        if s.bad { loss = .nan }
        out.losses[r] = loss
        stats.loss.add(loss)
        stats.lossSum += loss
        if s.nan > 0 || s.posInf > 0 { stats.nonfinite.hit(r) }
        if C >= 2 && s.nan == 0 && s.posInf == 0 && s.negInf == 0 && s.finiteMin >= 0 && s.finiteMax <= 1
            && abs(s.zSum - 1) <= 1e-3 { stats.looksLikeProbabilities.hit(r) }
        stats.classifiedRows += 1
        stats.confidenceSum += 1 / s.sum
        stats.entropySum += log(s.sum) - s.dot / s.sum
    }

    /// Overwrites one row's logits z[0..<width] (classes v0...) with the gradient of the loss
    /// with respect to the linear output.
    func gradient(_ z: UnsafeMutablePointer<T>, _ width: Int, from v0: Int, state s: RowState, position r: Int) {
        let row = p.row
        guard let t = target(r) else {
            z.update(repeating: s.bad ? .nan : 0, count: width)
            return
        }
        if s.bad { return z.update(repeating: .nan, count: width) }
        let u = upstream(r)
        let invT = 1 / row.temperature
        let e = row.smoothing
        let capScale = p.softcap > 0 ? row.temperature / p.softcap : 0
        let zTerm = row.zLoss > 0 ? 2 * row.zLoss * s.lse : 0
        switch targets {
        case .indices:
            let sumQ = (1 - e) * row.w(t) + (e > 0 ? (e / Double(C)) * row.weightSum : 0)
            let b = e > 0 ? u * (e / Double(C)) * invT : 0
            withOptionalBuffer(classWeight) { cw in
                T.gradient(z, width, lse: s.lse, a: u * (sumQ + zTerm) * invT, b: b,
                           w: cw.map { $0.baseAddress! + v0 }, capScale: capScale, threshold: p.filterThreshold)
            }
            if (v0..<(v0 + width)).contains(t) {
                let f = capScale != 0 ? 1 - (s.targetZ * capScale) * (s.targetZ * capScale) : 1
                z[t - v0] -= T(u * (1 - e) * row.w(t) * invT * f)
            }
        case .probabilities(let y, let layout):
            // Dense targets: one element at a time, g = (a p - u q / T) f.
            let a = u * (s.sumQ + zTerm) * invT
            let start = layout.start(r)
            for c in 0..<width {
                let zc = Double(z[c])
                let q = row.w(v0 + c) * ((1 - e) * y[start + (v0 + c) * layout.inner] + e / Double(C))
                var pc = exp(zc - s.lse)
                if pc < p.filterThreshold { pc = 0 }
                var g = a * pc - u * q * invT
                if capScale != 0 { g *= 1 - (zc * capScale) * (zc * capScale) }
                z[c] = T(g)
            }
        }
    }
}

/// One row's running state over the vocabulary blocks of pass A.
private struct RowState {
    var max = -Double.infinity, sum = 0.0, dot = 0.0
    var nan = 0, posInf = 0, negInf = 0
    var finiteMin = Double.infinity, finiteMax = -Double.infinity
    var zSum = 0.0
    var argmax = 0, argmaxValue = -Double.infinity
    var targetZ = Double.nan
    /// sum w[c] z[c] (label smoothing with class weights), or sum q[c] z[c] (probabilities).
    var weightedZ = 0.0
    /// Probability rows: sum q, sum y, whether some y < 0, the first class of largest y.
    var sumQ = 0.0, targetSum = 0.0, targetNegative = false, targetArgmax = 0, targetMax = -Double.infinity
    var lse = 0.0
    /// The row's softmax is NaN (a NaN or +inf logit, or every logit -inf).
    var bad = false

    /// Folds one block of logits (classes v0 ..< v0 + n) into the state.
    mutating func add<T: LinearHeadScalar>(_ z: UnsafePointer<T>, _ n: Int, from v0: Int, run: Run<T>, position r: Int) {
        let b = T.scan(z, n)
        nan += b.nan; posInf += b.posInf; negInf += b.negInf
        finiteMin = Swift.min(finiteMin, b.finiteMin); finiteMax = Swift.max(finiteMax, b.finiteMax)
        zSum += b.sum
        if b.nan == 0 && b.max > argmaxValue { argmaxValue = b.max; argmax = v0 + b.argmax }
        let row = run.p.row
        switch run.targets {
        case .indices:
            if let t = run.target(r), (v0..<(v0 + n)).contains(t) { targetZ = Double(z[t - v0]) }
            if row.smoothing > 0, let w = row.weight {
                for c in 0..<n { weightedZ += w[v0 + c] * Double(z[c]) }
            }
        case .probabilities(let y, let layout):
            let start = layout.start(r)
            let e = row.smoothing, C = Double(row.classes)
            for c in 0..<n {
                let yc = y[start + (v0 + c) * layout.inner]
                targetSum += yc
                if yc < 0 { targetNegative = true }
                if yc > targetMax { targetMax = yc; targetArgmax = v0 + c }
                let q = row.w(v0 + c) * ((1 - e) * yc + e / C)
                sumQ += q
                weightedZ += q * Double(z[c])
            }
        }
        guard nan == 0, posInf == 0, b.max > -.infinity else { return }
        let m = Swift.max(max, b.max)
        if m > max && max > -.infinity {
            let scale = exp(max - m)
            dot = scale * (dot + (max - m) * sum)
            sum *= scale
        }
        max = m
        let (s, d) = T.expSum(z, n, minus: m)
        sum += s
        dot += d
    }
}

/// Runs `body` with the array's buffer, or nil.
private func withOptionalBuffer<T, R>(_ array: [T]?, _ body: (UnsafeBufferPointer<T>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0) }
}
