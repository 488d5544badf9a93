/// The driver of the pointwise losses whose operands all index like one shape and that may
/// differentiate two of them (poisson_nll_loss: input; gaussian_nll_loss: input and var;
/// margin_ranking_loss: input1 and input2): one loss and up to two derivatives per element,
/// PyTorch's reduction (mean divides by the number of elements), and each gradient summed back
/// onto its own tensor's elements where that tensor was broadcast.
///
/// float32 jobs whose operands all have the shape and whose grad_output is a scalar read the
/// elements where they are stored and write float32 gradients directly, in chunks on up to
/// two threads (`ParallelRows`); other jobs go through Double copies. Both accumulate in Double
/// per chunk and merge the chunks in order, so the answer does not depend on the threads.
struct PointwiseLoss {
    /// One input of the element function: a tensor and, when it is broadcast to the shape, the
    /// element it holds for each element of the shape.
    struct Operand {
        var tensor: Tensor
        var index: [Int]?
    }

    /// A gradient the loss returns: the tensor's wire name and which operand it is (derivative
    /// `d0` for the first gradient, `d1` for the second).
    struct Gradient {
        var name: String
        var operand: Int
    }

    /// Per element: the loss and its derivatives with respect to the first and second gradient's operand.
    typealias Element = (loss: Double, d0: Double, d1: Double)
    /// The 8-lane float32 form of an element function.
    typealias Lanes = (FloatLanes, FloatLanes, FloatLanes) -> (loss: FloatLanes, d0: FloatLanes, d1: FloatLanes)

    /// The shape of the elements (the value's shape for reduction none).
    let shape: [Int]
    /// One to three operands; the element function receives their values in this order (0 for a missing one).
    let operands: [Operand]
    /// Zero to two gradients.
    let gradients: [Gradient]

    /// Elements per chunk of the threaded float32 path.
    private static let chunk = 1 << 15

    /// Runs `element` over every element and assembles the result: value (reduced or of
    /// `shape`), the gradients of sum(grad_output * value) when the job asks for them, and the
    /// diagnostics (`elements`, `nan` losses; loss and gradient statistics). Safe mode answers 0
    /// with zero gradients for a mean over no elements (PyTorch: NaN) and warns ALL_TARGETS_IGNORED.
    /// `lanes`, the same function on 8 float32 elements, replaces `element` on the float32 path
    /// for each run of 8 elements.
    @inline(__always)
    func run(_ job: LossJob, lanes: Lanes? = nil, _ element: (Double, Double, Double) -> Element) throws(LossError)
        -> Computed
    {
        let o = job.options
        let n = Tensor.elementCount(of: shape) ?? 0
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : shape)
        let emptyMean = o.reduction == .mean && n == 0
        let scale = emptyMean && o.compat == .safe ? 0 : o.reduction == .mean ? g / Double(n) : g
        let wanted = job.computeGradient ? gradients : []
        var stats = PointwiseStats()
        var out: [Tensor] = []
        var value = [Double](repeating: 0, count: reduced ? 0 : n)
        value.withUnsafeMutableBufferPointer { buffer in
            let losses = reduced ? nil : buffer
            if o.dtype == .float32, gPer == nil,
                operands.allSatisfy({ $0.index == nil && $0.tensor.withFloat32Elements { _ in true } != nil })
            {
                (stats, out) = float32(n, scale: scale, wanted, losses: losses, job.maxThreads, lanes, element)
            } else {
                (stats, out) = general(n, scale: scale, perElement: gPer, wanted, losses: losses, o.dtype, element)
            }
        }
        var d = Diagnostics()
        d.counts = [.init("elements", .int(n)), .init("nan", .int(stats.nan))]
        ResultAssembly.stat(&d, "loss_min", stats.loss.min, if: n > 0)
        ResultAssembly.stat(&d, "loss_max", stats.loss.max, if: n > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.loss.mean, if: n > 0)
        if job.computeGradient { ResultAssembly.gradStats(&d, sumSquares: stats.sumSquares, maxAbs: stats.maxAbs) }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let valueTensor = reduced
            ? ResultAssembly.tensor([], [ResultAssembly.reduce(sum: stats.loss.sum, denominator: Double(n), o.reduction,
                                                               pytorch: o.compat == .pytorch)], o.dtype)
            : ResultAssembly.tensor(shape, value, o.dtype)
        let named = zip(wanted, out).map { NamedTensor($0.name, $1) }
        return Computed(result: LossResult(value: valueTensor, gradients: named, diagnostics: d),
                        safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
    }

    /// Every operand of the shape, float32 storage: chunks on up to two threads, gradients
    /// written as float32.
    @inline(__always)
    private func float32(
        _ n: Int, scale: Double, _ wanted: [Gradient], losses: UnsafeMutableBufferPointer<Double>?, _ maxThreads: Int,
        _ lanes: Lanes?, _ element: (Double, Double, Double) -> Element
    ) -> (PointwiseStats, [Tensor]) {
        let inputs = operands.map { $0.tensor.float32Values! }
        let (a, b, c) = (inputs[0], inputs.count > 1 ? inputs[1] : [], inputs.count > 2 ? inputs[2] : [])
        let queue = ChunkQueue(count: (n + Self.chunk - 1) / Self.chunk)
        var chunkStats = [PointwiseStats](repeating: PointwiseStats(), count: queue.count)
        var second: [Float] = []
        let first = [Float](unsafeUninitializedCapacity: wanted.isEmpty ? 0 : n) { g0, written0 in
            second = [Float](unsafeUninitializedCapacity: wanted.count > 1 ? n : 0) { g1, written1 in
                for g in [g0, g1] where g.count > 0 { HugePages.advise(UnsafeMutableRawPointer(g.baseAddress!), bytes: g.count * 4) }
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        c.withUnsafeBufferPointer { c in
                            chunkStats.withUnsafeMutableBufferPointer { chunkStats in
                                let (hasB, hasC, hasG0, hasG1) = (!b.isEmpty, !c.isEmpty, g0.count > 0, g1.count > 0)
                                let parts = ParallelRows.parts(rows: queue.count, work: n * 8, maxThreads: maxThreads)
                                ParallelRows.run(parts: parts) { _ in
                                    while let k = queue.next() {
                                        var s = PointwiseStats()
                                        var next = k * Self.chunk
                                        let end = Swift.min(n, (k + 1) * Self.chunk)
                                        if let lanes {
                                            s.merge(Self.vector(&next, end, (a, b, c), (g0, g1), scale, losses, lanes))
                                        }
                                        for i in next..<end {
                                            let e = element(Double(a[i]), hasB ? Double(b[i]) : 0, hasC ? Double(c[i]) : 0)
                                            s.add(e.loss)
                                            losses?[i] = e.loss
                                            if hasG0 {
                                                g0[i] = Float(e.d0 * scale)
                                                s.addGradient(Double(g0[i]))
                                            }
                                            if hasG1 {
                                                g1[i] = Float(e.d1 * scale)
                                                s.addGradient(Double(g1[i]))
                                            }
                                        }
                                        chunkStats[k] = s
                                    }
                                }
                            }
                        }
                    }
                }
                written1 = g1.count
            }
            written0 = g0.count
        }
        var stats = PointwiseStats()
        for s in chunkStats { stats.merge(s) }
        return (stats, zip(wanted, [first, second]).map { Tensor(shape: operands[$0.operand].tensor.shape, float32: $1) })
    }

    /// The runs of 8 elements of `i..<end` through `lanes`; `i` is left at the first element not done.
    @inline(__always)
    private static func vector(
        _ i: inout Int, _ end: Int, _ inputs: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>),
        _ grads: (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>), _ scale: Double,
        _ losses: UnsafeMutableBufferPointer<Double>?, _ lanes: Lanes
    ) -> PointwiseStats {
        @inline(__always) func load(_ p: UnsafeBufferPointer<Float>) -> FloatLanes {
            p.isEmpty ? FloatLanes() : UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: FloatLanes.self)
        }
        let gScale = FloatLanes(repeating: Float(scale))
        var v = LaneStats()
        @inline(__always) func store(_ grad: UnsafeMutableBufferPointer<Float>, _ d: FloatLanes) {
            guard !grad.isEmpty else { return }
            let gv = d * gScale
            UnsafeMutableRawPointer(grad.baseAddress! + i).storeBytes(of: gv, as: FloatLanes.self)
            v.gradient(gv)
        }
        let start = i
        while i + 8 <= end {
            let e = lanes(load(inputs.0), load(inputs.1), load(inputs.2))
            v.loss(e.loss, at: i, losses)
            store(grads.0, e.d0)
            store(grads.1, e.d1)
            i += 8
        }
        let count = i - start
        return PointwiseStats(
            loss: RunningStats(count: count, sum: v.lossSum, min: v.lossNaN ? .nan : v.lossMin, max: v.lossNaN ? .nan : v.lossMax),
            nan: v.nan, sumSquares: v.sumSquares, maxAbs: v.maxAbs)
    }

    /// Any job: Double copies of the operands broadcast to the shape; each gradient summed onto
    /// its operand's elements.
    private func general(
        _ n: Int, scale: Double, perElement: [Double]?, _ wanted: [Gradient], losses: UnsafeMutableBufferPointer<Double>?,
        _ dtype: DType, _ element: (Double, Double, Double) -> Element
    ) -> (PointwiseStats, [Tensor]) {
        var values: [[Double]] = []
        for operand in operands {
            let v = operand.tensor.doubles
            values.append(operand.index.map { $0.map { v[$0] } } ?? v)
        }
        var grads = wanted.map { [Double](repeating: 0, count: operands[$0.operand].tensor.count) }
        let indices = wanted.map { operands[$0.operand].index }
        var stats = PointwiseStats()
        for i in 0..<n {
            let e = element(values[0][i], values.count > 1 ? values[1][i] : 0, values.count > 2 ? values[2][i] : 0)
            stats.add(e.loss)
            losses?[i] = e.loss
            let w = perElement?[i] ?? scale
            for k in grads.indices { grads[k][indices[k]?[i] ?? i] += (k == 0 ? e.d0 : e.d1) * w }
        }
        for v in grads.joined() { stats.addGradient(v) }
        return (stats, zip(wanted, grads).map {
            ResultAssembly.tensor(operands[$0.operand].tensor.shape, $1, dtype)
        })
    }

    /// `t` as an operand broadcast to `shape` (PyTorch's rules: trailing dimensions aligned, a
    /// size 1 stretches), or as `aligned` (`t`'s shape with size-1 dimensions added) when given.
    ///
    /// - Throws: `.invalidTensor` when the storage does not fit the shape or `floating` is asked
    ///   of an int64 tensor; `.shapeMismatch` when it does not broadcast.
    static func operand(_ t: Tensor, _ field: String, floating: Bool = true, broadcastTo shape: [Int],
                        aligned: [Int]? = nil) throws(LossError) -> Operand
    {
        _ = try Validation.consistent(t, field)
        if floating && !t.isFloatingPoint {
            throw LossError(kind: .invalidTensor, field: field, detail: "\(field) must be float32 or float64, got int64")
        }
        let source = aligned ?? t.shape
        let padded = [Int](repeating: 1, count: Swift.max(0, shape.count - source.count)) + source
        guard padded.count == shape.count, zip(padded, shape).allSatisfy({ $0 == $1 || $0 == 1 }) else {
            throw LossError(kind: .shapeMismatch, field: field, detail: "\(field) of shape \(t.shape) does not broadcast to \(shape)")
        }
        return Operand(tensor: t, index: broadcastIndex(padded, to: shape))
    }

    /// Calls `body(i, value)` for every element of `t` in order (float32 elements read where they
    /// are stored), stopping at the first error it throws.
    static func scan(_ t: Tensor, _ body: (Int, Double) throws(LossError) -> Void) throws(LossError) {
        let error: LossError?? = t.withFloat32Elements { values in
            do throws(LossError) {
                for i in values.indices { try body(i, Double(values[i])) }
                return nil
            } catch { return error }
        }
        switch error {
        case .some(.some(let e)): throw e
        case .some(.none): return
        case .none:
            let values = t.doubles
            for i in values.indices { try body(i, values[i]) }
        }
    }

    /// For each element of `shape`, the element of `source` it reads when `source` (of the same
    /// rank, each size equal or 1) is broadcast to `shape`; nil when `source` is `shape`.
    static func broadcastIndex(_ source: [Int], to shape: [Int]) -> [Int]? {
        guard source != shape else { return nil }
        var strides = [Int](repeating: 0, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = source[d] == 1 ? 0 : s
            s *= source[d]
        }
        let n = Tensor.elementCount(of: shape) ?? 0
        var out = [Int](repeating: 0, count: n)
        for i in 0..<n {
            var rest = i, at = 0
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                at += (rest % shape[d]) * strides[d]
                rest /= shape[d]
            }
            out[i] = at
        }
        return out
    }
}

/// Loss and gradient statistics of a run of elements.
struct PointwiseStats {
    var loss = RunningStats()
    var nan = 0
    var sumSquares = 0.0
    var maxAbs = 0.0

    @inline(__always) mutating func add(_ l: Double) {
        loss.add(l)
        if l.isNaN { nan += 1 }
    }

    @inline(__always) mutating func addGradient(_ v: Double) {
        sumSquares += v * v
        maxAbs = Swift.max(maxAbs, abs(v))
    }

    mutating func merge(_ o: PointwiseStats) {
        loss.merge(o.loss)
        nan += o.nan
        sumSquares += o.sumSquares
        maxAbs = Swift.max(maxAbs, o.maxAbs)
    }
}
