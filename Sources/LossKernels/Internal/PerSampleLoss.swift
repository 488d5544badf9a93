/// The driver shared by the losses that give one value per sample (multilabel_soft_margin,
/// multilabel_margin, multi_margin, cosine_embedding, triplet_margin, triplet_margin_with_distance):
/// N samples, each a row of D values of every row tensor; PyTorch's reduction (mean divides by N);
/// the upstream gradient of each sample handed to the kernel before it computes that sample, so
/// gradients are written once, already scaled.
///
/// Samples go in chunks of rows on up to two threads (`ParallelRows`). For each chunk the rows of
/// every row tensor are widened into a small Double scratch (it stays in cache; float32 elements
/// are read where they are stored), the kernel computes in Double, and the gradient rows go
/// straight into gradients of the job's dtype. Each chunk accumulates in Double and the chunks
/// merge in order, so the answer does not depend on the thread count. The kernel may run on
/// either thread at once: it must not mutate captured state.
struct PerSampleLoss {
    /// Rows of a chunk's scratch: row tensor (or gradient) `k` of the current sample at `self[k]`.
    struct Rows {
        fileprivate let base: UnsafeMutablePointer<Double>
        fileprivate let stride: Int

        subscript(_ k: Int) -> UnsafeMutablePointer<Double> { base + k * stride }
    }

    let job: LossJob
    /// N (1 for an unbatched job).
    let samples: Int
    /// D, the values of a sample in each row tensor.
    let width: Int
    /// The shape of a reduction-none value: (N), or [] for an unbatched job.
    let valueShape: [Int]
    /// The tensors read row by row (N x D elements each), differentiable ones first.
    let rowTensors: [Tensor]
    /// The names of the first `gradientNames.count` row tensors, whose gradients the kernel writes.
    let gradientNames: [String]
    /// The warning of the samples the kernel flags, if it flags any.
    let flag: WarningCode?

    /// - Throws: `.invalidTensor` when a differentiable tensor is int64.
    init(_ job: LossJob, samples: Int, width: Int, valueShape: [Int], rows: [(Tensor, String)], gradients: Int,
         flag: WarningCode? = nil) throws(LossError) {
        for (t, field) in rows.prefix(gradients) { try Validation.requireFloats(t, field) }
        self.job = job
        self.samples = samples
        self.width = width
        self.valueShape = valueShape
        rowTensors = rows.map(\.0)
        gradientNames = rows.prefix(gradients).map(\.1)
        self.flag = flag
    }

    /// Runs `sample(n, scale, rows, grads)` for every sample: it returns sample n's loss and
    /// whether `flag` names it, and, when `grads` is not nil, adds `scale` times d loss_n / d row
    /// tensor k into `grads[k]` (zeroed).
    @inline(__always)
    func run(
        _ sample: (_ n: Int, _ scale: Double, _ rows: Rows, _ grads: Rows?) -> (loss: Double, flagged: Bool)
    ) throws(LossError) -> Computed {
        let o = job.options
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : valueShape)
        let scale = o.reduction == .mean ? g / Double(samples) : g
        let emptyMean = o.reduction == .mean && samples == 0
        var losses = [Double](repeating: 0, count: samples)
        var stats = SampleStats(flag)
        var gradients: [NamedTensor] = []
        losses.withUnsafeMutableBufferPointer { losses in
            let sweep = Sweep(driver: self, scale: scale, perElement: gPer, losses: losses)
            let shape = rowTensors.first?.shape ?? []
            if o.dtype == .float32 {
                let (s, out): (SampleStats, [[Float]]) = sweep.all(sample)
                stats = s
                gradients = zip(gradientNames, out).map { NamedTensor($0, Tensor(shape: shape, float32: $1)) }
            } else {
                let (s, out): (SampleStats, [[Double]]) = sweep.all(sample)
                stats = s
                gradients = zip(gradientNames, out).map { NamedTensor($0, Tensor(shape: shape, float64: $1)) }
            }
        }
        var d = Diagnostics()
        d.counts = [.init("rows", .int(samples)), .init("elements", .int(gradientNames.isEmpty ? 0 : samples * width))]
        ResultAssembly.stat(&d, "loss_min", stats.loss.min, if: samples > 0)
        ResultAssembly.stat(&d, "loss_max", stats.loss.max, if: samples > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.loss.mean, if: samples > 0)
        if job.computeGradient { ResultAssembly.gradStats(&d, sumSquares: stats.sumSquares, maxAbs: stats.maxAbs) }
        d.warnings += [stats.nonfinite.warning, stats.flagged?.warning].compactMap { $0 }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let value = reduced
            ? ResultAssembly.tensor([], [ResultAssembly.reduce(sum: stats.loss.sum, denominator: Double(samples), o.reduction,
                                                               pytorch: o.compat == .pytorch)], o.dtype)
            : ResultAssembly.tensor(valueShape, losses, o.dtype)
        return Computed(result: LossResult(value: value, gradients: gradients, diagnostics: d),
                        safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
    }

    /// One pass over the samples, chunk by chunk.
    private struct Sweep {
        let driver: PerSampleLoss
        let scale: Double
        let perElement: [Double]?
        let losses: UnsafeMutableBufferPointer<Double>

        /// Every sample, the gradients stored as `T`.
        @inline(__always)
        func all<T: BinaryFloatingPoint>(
            _ sample: (Int, Double, Rows, Rows?) -> (loss: Double, flagged: Bool)
        ) -> (SampleStats, [[T]]) {
            let d = driver, width = Swift.max(d.width, 1)
            let chunkRows = Swift.max(1, 8192 / width)
            let queue = ChunkQueue(count: (d.samples + chunkRows - 1) / chunkRows)
            var chunkStats = [SampleStats](repeating: SampleStats(d.flag), count: queue.count)
            let gradientCount = d.job.computeGradient ? d.gradientNames.count : 0
            // Tensors not stored as float32 (float64, an int64 target), as Double values.
            let sources = d.rowTensors.map { t in t.withFloat32Elements({ _ in true }) == nil ? t.doubles : nil }
            let out: [[T]] = PerSampleLoss.arrays([Int](repeating: d.samples * d.width, count: gradientCount)) { outputs in
                chunkStats.withUnsafeMutableBufferPointer { chunkStats in
                    let work = d.samples * d.width * d.rowTensors.count
                    let parts = ParallelRows.parts(rows: queue.count, work: work, maxThreads: d.job.maxThreads)
                    ParallelRows.run(parts: parts) { _ in
                        let stride = chunkRows * d.width
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: stride * (d.rowTensors.count + gradientCount)) {
                            scratch in
                            let values = scratch.baseAddress!, grads = values + stride * d.rowTensors.count
                            while let k = queue.next() {
                                let first = k * chunkRows, rows = first..<Swift.min(d.samples, first + chunkRows)
                                for (t, tensor) in d.rowTensors.enumerated() {
                                    PerSampleLoss.widen(tensor, sources[t], (first * d.width)..<(rows.upperBound * d.width),
                                                        into: values + t * stride)
                                }
                                if gradientCount > 0 { (grads).initialize(repeating: 0, count: stride * gradientCount) }
                                var s = SampleStats(d.flag)
                                for n in rows {
                                    let r = (n - first) * d.width
                                    let (l, flagged) = sample(n, perElement?[n] ?? scale, Rows(base: values + r, stride: stride),
                                                              gradientCount > 0 ? Rows(base: grads + r, stride: stride) : nil)
                                    if flagged { s.flagged?.hit(n) }
                                    if !l.isFinite { s.nonfinite.hit(n) }
                                    losses[n] = l
                                    s.loss.add(l)
                                }
                                let count = rows.count * d.width
                                // Four interleaved partial sums and maxima (independent adds).
                                var squares = SIMD4<Double>(), largest = SIMD4<Double>()
                                for g in 0..<gradientCount {
                                    let from = grads + g * stride, to = outputs[g] + first * d.width
                                    var i = 0
                                    while i + 4 <= count {
                                        let v = UnsafeRawPointer(from + i).loadUnaligned(as: SIMD4<Double>.self)
                                        for j in 0..<4 { to[i + j] = T(v[j]) }
                                        squares += v * v
                                        // |v| by clearing the sign bits; a blend, not a branch per lane.
                                        let magnitude = unsafeBitCast(
                                            unsafeBitCast(v, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD4<Double>.self)
                                        largest.replace(with: magnitude, where: magnitude .> largest)
                                        i += 4
                                    }
                                    while i < count {
                                        let v = from[i]
                                        to[i] = T(v)
                                        s.sumSquares += v * v
                                        s.maxAbs = Swift.max(s.maxAbs, abs(v))
                                        i += 1
                                    }
                                }
                                s.sumSquares += squares.sum()
                                s.maxAbs = Swift.max(s.maxAbs, largest.max())
                                chunkStats[k] = s
                            }
                        }
                    }
                }
            }
            var stats = SampleStats(d.flag)
            for s in chunkStats { stats.merge(s) }
            return (stats, out)
        }
    }

    /// Elements `range` of `t` as Double into `scratch`: from `widened` (the tensor's Double
    /// values, when it is not float32) or from the float32 elements where they are stored.
    private static func widen(_ t: Tensor, _ widened: [Double]?, _ range: Range<Int>, into scratch: UnsafeMutablePointer<Double>) {
        if let widened {
            for i in range { scratch[i - range.lowerBound] = widened[i] }
        } else {
            _ = t.withFloat32Elements { x in for i in range { scratch[i - range.lowerBound] = Double(x[i]) } }
        }
    }

    /// Arrays of `counts` elements, every element initialized by `body` through their addresses.
    private static func arrays<T>(_ counts: [Int], _ pointers: [UnsafeMutablePointer<T>] = [],
                                  _ body: ([UnsafeMutablePointer<T>]) -> Void) -> [[T]] {
        guard let count = counts.first else {
            body(pointers)
            return []
        }
        var rest: [[T]] = []
        let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // An empty buffer may have no address; nothing is written through it then.
            let base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
            rest = arrays(Array(counts.dropFirst()), pointers + [base], body)
            initialized = count
        }
        return [array] + rest
    }

    /// The (N, D) layout of a tensor of shape (N, D) or (D) (unbatched: N = 1, value shape []).
    /// - Throws: `.shapeMismatch` on `field` unless it has 1 or 2 dimensions.
    static func rows(_ t: Tensor, _ field: String) throws(LossError) -> (samples: Int, width: Int, valueShape: [Int]) {
        switch t.shape.count {
        case 1: return (1, t.shape[0], [])
        case 2: return (t.shape[0], t.shape[1], [t.shape[0]])
        default:
            throw LossError(kind: .shapeMismatch, field: field,
                            detail: "\(field) must have 1 or 2 dimensions ((D) or (N, D)), got shape \(t.shape)")
        }
    }

    /// - Throws: `.shapeMismatch` on `field` unless `t` has the shape of the job's input.
    static func requireInputShape(_ t: Tensor, _ field: String, _ job: LossJob) throws(LossError) {
        guard t.shape == job.input.shape else {
            throw LossError(kind: .shapeMismatch, field: field,
                            detail: "\(field) must have the input's shape \(job.input.shape), got \(t.shape)")
        }
    }
}

/// Loss and gradient statistics of a run of samples.
private struct SampleStats {
    var loss = RunningStats()
    var nonfinite = WarningCollector(.nonfiniteInput)
    var flagged: WarningCollector?
    var sumSquares = 0.0, maxAbs = 0.0

    init(_ flag: WarningCode?) { flagged = flag.map(WarningCollector.init) }

    /// Adds the stats of the samples that follow these.
    mutating func merge(_ o: SampleStats) {
        loss.merge(o.loss)
        nonfinite.merge(o.nonfinite)
        if let other = o.flagged { flagged?.merge(other) }
        sumSquares += o.sumSquares
        maxAbs = Swift.max(maxAbs, o.maxAbs)
    }
}
