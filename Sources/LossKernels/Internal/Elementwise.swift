import Glibc

/// The driver shared by the elementwise losses (binary cross entropies, kl_div, regression,
/// focal, hinge_embedding, soft_margin): input and target of one shape, one (loss, d loss / d input)
/// pair per element, then PyTorch's reduction (mean and its gradient divide by numel; batchmean by
/// input.size(0)).
///
/// The elements are read where they are stored (float32 jobs: no widened copy) in chunks of
/// 32 Ki on up to two threads (`ParallelRows`), and a float32 gradient is written as float32.
/// Each chunk accumulates in Double and the chunks merge in order, so the answer does not
/// depend on the thread count. The element function may run on either thread at once: it must
/// not mutate captured state.
struct Elementwise {
    let job: LossJob

    /// Validates the shared contract: float input, target of the input's shape.
    init(_ job: LossJob) throws(LossError) {
        self.job = job
        try Validation.requireFloats(job.input, "input")
        guard job.target.shape == job.input.shape else {
            var detail = "target size \(job.target.shape) must be the same as input size \(job.input.shape)"
            if let both = Self.broadcastShape(job.input.shape, job.target.shape) {
                detail += "; PyTorch would broadcast both to \(both) with only a UserWarning, almost always a bug "
                    + "(pytorch/pytorch#16045), so lossd refuses"
            }
            throw LossError(kind: .shapeMismatch, field: "target", detail: detail)
        }
        _ = try Validation.consistent(job.target, "target")
    }

    /// The input widened to Double (a copy: for kernels that index it outside `run`).
    var x: [Double] { job.input.doubles }
    /// The target widened to Double (a copy).
    var y: [Double] { job.target.doubles }

    /// The shape PyTorch's broadcasting gives `a` and `b` (trailing dimensions aligned, a 1
    /// stretching to the other size), or nil when they do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var shape = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { return nil }
            shape[i] = da == 1 ? db : da
        }
        return shape
    }

    /// First element of `tensor` outside [0, 1] (NaN included), as an error on `field`
    /// (float32 elements read where they are stored).
    func requireUnitInterval(_ tensor: Tensor, _ field: String) throws(LossError) {
        try PointwiseLoss.scan(tensor) { i, v throws(LossError) in
            guard v >= 0 && v <= 1 else {
                throw .element(.invalidTensor, field, flat: i, shape: tensor.shape,
                               "all elements of \(field) should be between 0 and 1, got \(tensor.elementDescription(i))")
            }
        }
    }

    /// Elements per chunk of work.
    private static let chunk = 1 << 15

    /// A warning raised by the elements `test(i, x, y)` holds for.
    struct Flag {
        let code: WarningCode
        let test: (Int, Double, Double) -> Bool
    }

    /// The 8-lane float32 form of an element function: (loss, dloss/dx) of 8 inputs and targets.
    typealias Lanes = (FloatLanes, FloatLanes) -> (loss: FloatLanes, grad: FloatLanes)

    /// Runs `element(i, x, y) -> (loss, dloss/dx)` over every element and reduces.
    /// `probability(x)` (binary losses) feeds accuracy and confidence; `flag` names elements
    /// (LOG_CLAMPED, ...) in a warning that follows NONFINITE_INPUT. `lanes`, the same function
    /// on 8 float32 elements, replaces `element` on float32 jobs without `probability`, `flag` or
    /// a per-element grad_output, for each run of 8 finite inputs (the diagnostics are then
    /// taken per lane and folded).
    @inline(__always)
    func run(
        probability: ((Double) -> Double)? = nil, flag: Flag? = nil, lanes: Lanes? = nil,
        _ element: (Int, Double, Double) -> (loss: Double, grad: Double)
    ) throws(LossError) -> Computed {
        let o = job.options
        let n = job.input.count
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : job.input.shape)
        let denominator: Double = switch o.reduction {
        case .batchmean: Double(job.input.shape.first ?? 1)
        default: Double(n)
        }
        let scale = o.reduction == .mean || o.reduction == .batchmean ? g / denominator : g
        let emptyMean = (o.reduction == .mean || o.reduction == .batchmean) && denominator == 0
        let sweep = Sweep(scale: emptyMean && o.compat == .safe ? 0 : scale, probability: probability, flag: flag,
                          lanes: probability == nil && flag == nil && gPer == nil ? lanes : nil)
        var losses = [Double](repeating: 0, count: reduced ? 0 : n)
        var stats = ElementwiseStats(flag?.code)
        var grad: Tensor?
        losses.withUnsafeMutableBufferPointer { lossBuffer in
            (gPer ?? []).withUnsafeBufferPointer { perElement in
                let out = Outputs(losses: reduced ? nil : lossBuffer, perElement: gPer == nil ? nil : perElement.baseAddress,
                                  maxThreads: job.maxThreads)
                let single: (ElementwiseStats, [Float]?)?? = o.dtype != .float32 ? nil : job.input.withFloat32Elements { x in
                    job.target.withFloat32Elements { y in sweep.all(x, y, out, gradient: job.computeGradient, element) }
                }
                if let float32 = single ?? nil {
                    stats = float32.0
                    grad = float32.1.map { Tensor(shape: job.input.shape, float32: $0) }
                } else {
                    let (x, y) = (job.input.doubles, job.target.doubles)
                    let (s, g) = x.withUnsafeBufferPointer { x in
                        y.withUnsafeBufferPointer { y in sweep.all(x, y, out, gradient: job.computeGradient, element) }
                    }
                    stats = s
                    grad = g.map { ResultAssembly.tensor(job.input.shape, $0, o.dtype) }
                }
            }
        }
        var d = Diagnostics()
        d.counts = [.init("elements", .int(n)), .init("nan", .int(stats.nan)), .init("pos_inf", .int(stats.posInf)),
                    .init("neg_inf", .int(stats.negInf))]
        ResultAssembly.stat(&d, "loss_min", stats.loss.min, if: n > 0)
        ResultAssembly.stat(&d, "loss_max", stats.loss.max, if: n > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.loss.mean, if: n > 0)
        ResultAssembly.stat(&d, "accuracy", Double(stats.correct) / Double(n), if: probability != nil && n > 0)
        ResultAssembly.stat(&d, "mean_confidence", stats.confidence / Double(n), if: probability != nil && n > 0)
        ResultAssembly.stat(&d, "input_min", stats.inputMin, if: stats.inputMin.isFinite)
        ResultAssembly.stat(&d, "input_max", stats.inputMax, if: stats.inputMax.isFinite)
        if grad != nil { ResultAssembly.gradStats(&d, sumSquares: stats.sumSquares, maxAbs: stats.maxAbs) }
        d.warnings += [stats.nonfinite, stats.flagged].compactMap { $0?.warning }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let value = ResultAssembly.reduce(sum: stats.loss.sum, denominator: denominator, o.reduction,
                                          pytorch: o.compat == .pytorch)
        let valueTensor = reduced
            ? ResultAssembly.tensor([], [value], o.dtype) : ResultAssembly.tensor(job.input.shape, losses, o.dtype)
        return Computed(result: LossResult(value: valueTensor, grad: grad, diagnostics: d),
                        safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
    }

    /// Where a sweep writes besides the gradient: each element's loss (reduction none) and the
    /// upstream gradient per element, if any.
    private struct Outputs {
        let losses: UnsafeMutableBufferPointer<Double>?
        let perElement: UnsafePointer<Double>?
        let maxThreads: Int
    }

    /// One pass over the elements with the run's closures and gradient scale.
    private struct Sweep {
        let scale: Double
        let probability: ((Double) -> Double)?
        let flag: Flag?
        let lanes: Lanes?

        /// Every element of `x` and `y` (stored as `T`), in chunks on up to two threads; the
        /// gradient, stored as `T`, when `gradient`.
        @inline(__always)
        func all<T: BinaryFloatingPoint>(
            _ x: UnsafeBufferPointer<T>, _ y: UnsafeBufferPointer<T>, _ out: Outputs, gradient: Bool,
            _ element: (Int, Double, Double) -> (loss: Double, grad: Double)
        ) -> (ElementwiseStats, [T]?) {
            let n = x.count
            let queue = ChunkQueue(count: (n + Elementwise.chunk - 1) / Elementwise.chunk)
            var chunkStats = [ElementwiseStats](repeating: ElementwiseStats(flag?.code), count: queue.count)
            let grad = [T](unsafeUninitializedCapacity: gradient ? n : 0) { buffer, written in
                // An array of capacity 0 may still hand out an address (the shared empty storage).
                let g = gradient ? buffer.baseAddress : nil
                if let g { HugePages.advise(UnsafeMutableRawPointer(g), bytes: n * MemoryLayout<T>.stride) }
                chunkStats.withUnsafeMutableBufferPointer { chunkStats in
                    let parts = ParallelRows.parts(rows: queue.count, work: n * 8, maxThreads: out.maxThreads)
                    ParallelRows.run(parts: parts) { _ in
                        while let k = queue.next() {
                            let range = (k * Elementwise.chunk)..<Swift.min(n, (k + 1) * Elementwise.chunk)
                            chunkStats[k] = chunk(range, x, y, out, g, element)
                        }
                    }
                }
                written = buffer.count
            }
            var stats = ElementwiseStats(flag?.code)
            for s in chunkStats { stats.merge(s) }
            return (stats, gradient ? grad : nil)
        }

        @inline(__always)
        private func chunk<T: BinaryFloatingPoint>(
            _ range: Range<Int>, _ x: UnsafeBufferPointer<T>, _ y: UnsafeBufferPointer<T>, _ out: Outputs,
            _ g: UnsafeMutablePointer<T>?, _ element: (Int, Double, Double) -> (loss: Double, grad: Double)
        ) -> ElementwiseStats {
            var s = ElementwiseStats(flag?.code)
            let perElement = out.perElement
            // The hot sums and extremes in locals (registers), folded into `s` after the loop.
            var lossSum = 0.0, lossMin = Double.infinity, lossMax = -Double.infinity, lossNaN = false
            var inputMin = Double.infinity, inputMax = -Double.infinity
            var sumSquares = 0.0, maxAbs = 0.0
            @inline(__always) func one(_ i: Int) {
                let xi = Double(x[i]), yi = Double(y[i])
                if xi.isFinite {
                    inputMin = Swift.min(inputMin, xi)
                    inputMax = Swift.max(inputMax, xi)
                } else {
                    s.input(xi, at: i)
                }
                let (l, d) = element(i, xi, yi)
                out.losses?[i] = l
                lossSum += l
                lossMin = Swift.min(lossMin, l)
                lossMax = Swift.max(lossMax, l)
                lossNaN = lossNaN || l.isNaN
                if let flag, flag.test(i, xi, yi) { s.flagged?.hit(i) }
                if let probability {
                    let p = probability(xi)
                    if (p >= 0.5) == (yi >= 0.5) { s.correct += 1 }
                    s.confidence += Swift.max(p, 1 - p)
                }
                if let g {
                    let gi = d * (perElement?[i] ?? scale)
                    g[i] = T(gi)
                    sumSquares += gi * gi
                    maxAbs = Swift.max(maxAbs, abs(gi))
                }
            }
            var i = range.lowerBound
            if let lanes, T.self == Float.self {
                var v = LaneStats()
                let (xr, yr) = (UnsafeRawPointer(x.baseAddress!), UnsafeRawPointer(y.baseAddress!))
                let graw = g.map { UnsafeMutableRawPointer($0) }
                let gScale = FloatLanes(repeating: Float(scale))
                while i + 8 <= range.upperBound {
                    let xv = xr.loadUnaligned(fromByteOffset: i * 4, as: FloatLanes.self)
                    // A run with a NaN or infinite input goes element by element (counts and examples).
                    if any(.!((xv - xv) .== 0)) {
                        for j in i..<(i + 8) { one(j) }
                        i += 8
                        continue
                    }
                    let (l, d) = lanes(xv, yr.loadUnaligned(fromByteOffset: i * 4, as: FloatLanes.self))
                    v.input(xv)
                    v.loss(l, at: i, out.losses)
                    if let graw {
                        let gv = d * gScale
                        graw.storeBytes(of: gv, toByteOffset: i * 4, as: FloatLanes.self)
                        v.gradient(gv)
                    }
                    i += 8
                }
                lossSum += v.lossSum
                (lossMin, lossMax) = (Swift.min(lossMin, v.lossMin), Swift.max(lossMax, v.lossMax))
                lossNaN = lossNaN || v.lossNaN
                (inputMin, inputMax) = (Swift.min(inputMin, v.inputMin), Swift.max(inputMax, v.inputMax))
                sumSquares += v.sumSquares
                maxAbs = Swift.max(maxAbs, v.maxAbs)
            }
            while i < range.upperBound {
                one(i)
                i += 1
            }
            s.loss = RunningStats(count: range.count, sum: lossSum, min: lossNaN ? .nan : lossMin,
                                  max: lossNaN ? .nan : lossMax)
            s.inputMin = Swift.min(s.inputMin, inputMin)
            s.inputMax = Swift.max(s.inputMax, inputMax)
            s.sumSquares = sumSquares
            s.maxAbs = maxAbs
            return s
        }
    }
}

/// What `Elementwise` reports of a run of elements.
private struct ElementwiseStats {
    var loss = RunningStats()
    var nan = 0, posInf = 0, negInf = 0
    var inputMin = Double.infinity, inputMax = -Double.infinity
    var nonfinite: WarningCollector? = WarningCollector(.nonfiniteInput)
    var flagged: WarningCollector?
    var correct = 0, confidence = 0.0
    var sumSquares = 0.0, maxAbs = 0.0

    init(_ flag: WarningCode?) { flagged = flag.map(WarningCollector.init) }

    /// Counts input element `i`, `v`, by kind and range.
    @inline(__always) mutating func input(_ v: Double, at i: Int) {
        if v.isNaN { nan += 1 } else if v == .infinity { posInf += 1 } else if v == -.infinity { negInf += 1 } else {
            inputMin = Swift.min(inputMin, v)
            inputMax = Swift.max(inputMax, v)
        }
        if v.isNaN || v == .infinity { nonfinite?.hit(i) }
    }

    /// Adds the stats of the elements that follow these.
    mutating func merge(_ o: ElementwiseStats) {
        loss.merge(o.loss)
        nan += o.nan
        posInf += o.posInf
        negInf += o.negInf
        inputMin = Swift.min(inputMin, o.inputMin)
        inputMax = Swift.max(inputMax, o.inputMax)
        if let other = o.nonfinite { nonfinite?.merge(other) }
        if let other = o.flagged { flagged?.merge(other) }
        correct += o.correct
        confidence += o.confidence
        sumSquares += o.sumSquares
        maxAbs = Swift.max(maxAbs, o.maxAbs)
    }
}

/// PyTorch's CPU log_sigmoid: min(x, 0) - log1p(exp(-|x|)).
@inline(__always) func logSigmoid(_ x: Double) -> Double { Swift.min(x, 0) - log1p(exp(-abs(x))) }

/// PyTorch's sigmoid: 1 / (1 + exp(-x)).
@inline(__always) func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// log1p(z) of a float32 through `logf` (glibc's `log1pf` took about twice as long), after
/// Goldberg: with u = 1 + z rounded, log(u) * z / (u - 1) is accurate to a few ulp (z itself
/// where u rounds to 1; log(u) where u is infinite or NaN).
@inline(__always) func log1pSingle(_ z: Float) -> Float {
    let u = 1 + z
    if u == 1 { return z }
    if !u.isFinite { return logf(u) }
    return logf(u) * (z / (u - 1))
}
