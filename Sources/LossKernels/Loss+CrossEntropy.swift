import Glibc

extension LossName {
    /// `torch.nn.functional.cross_entropy` (+ lossd extras `temperature`, `z_loss`).
    public static let crossEntropy = LossName(declaring: "cross_entropy")
    /// `torch.nn.functional.nll_loss`.
    public static let nllLoss = LossName(declaring: "nll_loss")
}

extension LossOption {
    public static let ignoreIndex = LossOption(
        "ignore_index", default: .int(-100), .integer(Int64.min...Int64.max),
        "target value that is dropped from the loss and the mean")
    public static let labelSmoothing = LossOption(
        "label_smoothing", default: .double(0), .real(.closed(0, 1)), "epsilon in [0, 1]")
    public static let temperature = LossOption(
        "temperature", default: .double(1), .real(.above(0)), "logits are divided by T > 0 first")
    public static let zLoss = LossOption(
        "z_loss", default: .double(0), .real(.atLeast(0)), "adds coef * logsumexp^2 per counted sample")
    public static let classDim = LossOption(
        "class_dim", default: .int(1), .integer(-1...1),
        "1: classes in dim 1 (torch); -1: classes last, (B, T, V) logits with (B, T) targets (Hugging Face)")
    public static let shift = LossOption(
        "shift", default: .bool(false), .boolean,
        "causal LM: position t predicts target t+1 (the last position of every sequence is dropped)")
    public static let numItemsInBatch = LossOption(
        "num_items_in_batch", default: .int(0), .integer(0...Int64.max),
        "mean divides the sum by this count instead (gradient accumulation); 0: off")
}

extension LossDescriptor {
    static let crossEntropy = LossDescriptor(
        name: .crossEntropy, summary: "softmax cross entropy over dim 1 (PyTorch), with temperature and z-loss",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "logits: (C), (N, C) or (N, C, d1..dk)"),
            TensorSpec("target", .classIndicesOrProbabilities,
                       "class indices of shape (), (N) or (N, d1..dk), or class probabilities of the input's shape"),
            TensorSpec("weight", .floating, required: false, "class weights (C)"),
        ],
        options: [.ignoreIndex, .labelSmoothing, .temperature, .zLoss, .classDim, .shift, .numItemsInBatch]
    ) { job, storage throws(LossError) in try Loss.crossEntropy(job, gradientStorage: storage) }

    static let nllLoss = LossDescriptor(
        name: .nllLoss, summary: "negative log likelihood of log-probabilities",
        tensors: [
            TensorSpec("input", .floating, differentiable: true, "log-probabilities: (C), (N, C) or (N, C, d1..dk)"),
            TensorSpec("target", .classIndices, "class indices of shape (), (N) or (N, d1..dk)"),
            TensorSpec("weight", .floating, required: false, "class weights (C)"),
        ],
        options: [.ignoreIndex]
    ) { job, _ throws(LossError) in try Loss.nllLoss(job) }
}

/// cross_entropy and nll_loss: validation, target dispatch, reduction and diagnostics.
/// The per-row math lives in `Internal/SoftmaxRow.swift` (reference, Double) and
/// `Internal/FusedCrossEntropy.swift` (float32 fast path).
extension Loss {
    static func crossEntropy(_ job: LossJob, gradientStorage: UnsafeMutableBufferPointer<Float>? = nil)
        throws(LossError) -> Computed
    {
        let o = job.options
        guard o.integer(.classDim) != 0 || job.input.shape.count == 1 else {
            throw LossError(kind: .invalidOption, option: "class_dim",
                            detail: "class_dim is 1 (classes in dim 1, torch) or -1 (classes last)")
        }
        let layout = try ClassLayout(inputShape: job.input.shape, classesLast: o.integer(.classDim) == -1)
        try requireRepresentableReciprocal(o.real(.temperature), o.dtype)
        let weight = try classWeight(job.weight, layout)
        let row = SoftmaxRow(
            classes: layout.classes, weight: weight, weightSum: weight?.reduce(0, +) ?? Double(layout.classes),
            smoothing: o.real(.labelSmoothing), temperature: o.real(.temperature), zLoss: o.real(.zLoss),
            pytorch: o.compat == .pytorch)
        if job.target.shape == job.input.shape {
            guard o.integer(.ignoreIndex) < 0 else {
                throw LossError(kind: .invalidOption, option: "ignore_index",
                                detail: "ignore_index is not supported for floating point (class probability) targets")
            }
            guard !o.boolean(.shift) else {
                throw LossError(kind: .invalidOption, option: "shift", detail: "shift needs class-index targets")
            }
            let x = try Validation.floats(job.input, "input")
            let y = try Validation.values(job.target, "target")
            return try probabilityTargets(job, layout, x, y, row)
        }
        return try classIndexTargets(job, layout, row: row, gradientStorage: gradientStorage)
    }

    static func nllLoss(_ job: LossJob) throws(LossError) -> Computed {
        let layout = try ClassLayout(inputShape: job.input.shape)
        let weight = try classWeight(job.weight, layout)
        let row = SoftmaxRow(classes: layout.classes, weight: weight, weightSum: 0, smoothing: 0, temperature: 1,
                             zLoss: 0, pytorch: job.options.compat == .pytorch)
        return try classIndexTargets(job, layout, row: row, nll: true)
    }

    /// A temperature whose reciprocal the dtype holds: at least the dtype's smallest normal
    /// number (1e-300 passes "positive" but is 0 in float32, and 1/1e-320 overflows float64).
    static func requireRepresentableReciprocal(_ temperature: Double, _ dtype: DType) throws(LossError) {
        let smallest = dtype == .float32 ? Double(Float.leastNormalMagnitude) : Double.leastNormalMagnitude
        guard temperature >= smallest else {
            throw LossError(kind: .invalidOption, option: "temperature",
                            detail: "temperature \(temperature) is below \(smallest), the smallest \(dtype.rawValue) whose reciprocal is finite")
        }
    }

    /// The mean's denominator: num_items_in_batch when set (cross_entropy, linear_cross_entropy),
    /// else `otherwise`.
    static func meanDenominator(_ o: LossOptions, _ name: LossName, otherwise: Double) -> Double {
        let items = name != .nllLoss ? o.integer(.numItemsInBatch) : 0
        return items > 0 ? Double(items) : otherwise
    }

    static func classWeight(_ t: Tensor?, _ layout: ClassLayout) throws(LossError) -> [Double]? {
        guard let t else { return nil }
        let w = try Validation.floats(t, "weight")
        guard t.shape == [layout.classes] else {
            throw LossError(kind: .shapeMismatch, field: "weight",
                            detail: "weight tensor should be defined either for all \(layout.classes) classes or no classes but got weight tensor of shape: \(t.shape)")
        }
        return w
    }

    /// Validated targets: class per position, or -1 when ignored; also W, the mean's denominator.
    /// `logitsShape`: the logits' shape (the input's, or linear_cross_entropy's implied logits).
    static func classTargets(_ job: LossJob, _ layout: ClassLayout, weight: [Double]?, logitsShape: [Int]) throws(LossError)
        -> (targets: [Int], denominator: Double, counted: Int, ignoredAsClass: WarningCollector)
    {
        guard job.target.shape == layout.positionShape else {
            let what = job.target.isFloatingPoint && job.name != .nllLoss
                ? "class-probability targets must have the logits' shape \(logitsShape); class-index targets "
                : "class-index targets "
            let input = logitsShape
            let classesLastHint = job.name == .crossEntropy && layout.inner > 1 && job.target.shape == Array(input.dropLast())
                ? "; the input looks like (B, T, V) logits with (B, T) labels, Hugging Face's layout: pass class_dim: -1"
                : ""
            throw LossError(kind: .shapeMismatch, field: "target",
                            detail: what + "must have shape \(layout.positionShape), got \(job.target.shape)" + classesLastHint)
        }
        let ii = job.options.integer(.ignoreIndex)
        var raw = try Validation.classIndices(job.target)
        // shift: position t takes target t+1 of its sequence (the last dimension of the targets);
        // the last position of every sequence is ignored. `source` maps back for error pointers.
        let shift = job.name != .nllLoss && job.options.boolean(.shift)
        if shift { raw = shifted(raw, shape: job.target.shape, fill: ii) }
        let source = { (i: Int) -> Int in shift ? i + 1 : i }
        var targets = [Int](repeating: -1, count: raw.count)
        var denominator = 0.0
        var counted = 0
        var ignoredAsClass = WarningCollector(.ignoreIndexIsAClass)
        let classIgnored = ii >= 0 && ii < Int64(layout.classes)
        for i in raw.indices {
            let t = raw[i]
            if t == ii {
                if classIgnored && !(shift && isSequenceEnd(i, shape: job.target.shape)) { ignoredAsClass.hit(i) }
                continue
            }
            guard t >= 0 && t < Int64(layout.classes) else {
                throw .element(.targetOutOfRange, "target", flat: source(i), shape: job.target.shape,
                               "Target \(t) is out of bounds: classes are 0..<\(layout.classes) and ignore_index is \(ii)")
            }
            targets[i] = Int(t)
            denominator += weight?[Int(t)] ?? 1
            counted += 1
        }
        return (targets, denominator, counted, ignoredAsClass)
    }

    /// Targets moved one position earlier along the last dimension, `fill` at each sequence's end
    /// (transformers' ForCausalLMLoss: labels padded with ignore_index, then `labels[..., 1:]`).
    private static func shifted(_ raw: [Int64], shape: [Int], fill: Int64) -> [Int64] {
        var out = raw
        for i in out.indices { out[i] = isSequenceEnd(i, shape: shape) ? fill : raw[i + 1] }
        return out
    }

    /// Whether flat position `i` is the last of its sequence (the last dimension of `shape`).
    private static func isSequenceEnd(_ i: Int, shape: [Int]) -> Bool {
        let length = shape.last ?? 1
        return length == 0 || i % length == length - 1
    }

    /// `gradientStorage` (float32 jobs on the fused path): the gradient is written there and the
    /// result's grad is nil.
    private static func classIndexTargets(
        _ job: LossJob, _ layout: ClassLayout, row: SoftmaxRow, nll: Bool = false,
        gradientStorage: UnsafeMutableBufferPointer<Float>? = nil
    ) throws(LossError) -> Computed {
        let o = job.options
        let (targets, weightDenominator, counted, ignoredAsClass) = try classTargets(job, layout, weight: row.weight,
                                                                                      logitsShape: job.input.shape)
        let denominator = meanDenominator(o, job.name, otherwise: weightDenominator)
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : layout.positionShape)
        let emptyMean = o.reduction == .mean && denominator == 0
        let safeZero = emptyMean && o.compat == .safe
        // Upstream multiplier per row: g/W (mean), g (sum), g_i (none).
        let meanScale = o.reduction == .mean ? g / denominator : g
        var losses = [Double](repeating: 0, count: layout.rows)
        var stats = ClassRowStats()
        let gradTensor: Tensor?
        if !nll && !safeZero, let fusedResult = job.input.withFloat32Elements({ xs in
            fused(xs, job, layout, targets: targets, row: row, upstream: (meanScale, gPer), losses: &losses,
                  gradientStorage: gradientStorage)
        }) {
            (stats, gradTensor) = fusedResult
        } else {
            let x = try Validation.floats(job.input, "input")
            var grad: [Double]? = job.computeGradient ? [Double](repeating: 0, count: x.count) : nil
            var zRow = [Double](repeating: 0, count: layout.classes)
            var gRow = [Double](repeating: 0, count: layout.classes)
            zRow.withUnsafeMutableBufferPointer { z in
                gRow.withUnsafeMutableBufferPointer { gr in
                    for r in 0..<layout.rows {
                        let start = layout.start(r)
                        for c in 0..<layout.classes { z[c] = x[start + c * layout.inner] }
                        let t = targets[r] >= 0 ? targets[r] : nil
                        let u = safeZero ? 0 : (gPer?[r] ?? meanScale)
                        let out: UnsafeMutableBufferPointer<Double>? = grad == nil ? nil : gr
                        losses[r] = nll
                            ? nllRow(z, target: t, upstream: u, position: r, row: row, grad: out, stats: &stats)
                            : row.indexRow(z, target: t, upstream: u, position: r, grad: out, stats: &stats)
                        if grad != nil {
                            for c in 0..<layout.classes { grad![start + c * layout.inner] = gr[c] }
                        }
                    }
                }
            }
            gradTensor = grad.map { ResultAssembly.tensor(job.input.shape, $0, o.dtype) }
        }
        if safeZero { stats.gradSumSquares = 0; stats.gradMaxAbs = 0 }
        var d = Diagnostics()
        let value = ResultAssembly.reduce(sum: stats.lossSum, denominator: denominator, o.reduction,
                                                        pytorch: o.compat == .pytorch)
        counts(&d, layout, stats, counted: counted)
        classStats(&d, stats, temperature: row.temperature, perplexity: !nll, entropy: !nll)
        if !nll && o.integer(.classDim) == -1 {
            SequenceStats.append(to: &d, positionShape: layout.positionShape, targets: targets, losses: losses,
                                 correctPositions: stats.correctPositions)
        }
        if gradTensor != nil || gradientStorage != nil { ResultAssembly.gradStats(&d, sumSquares: stats.gradSumSquares, maxAbs: stats.gradMaxAbs) }
        var extra: [WarningCollector] = []
        var emptyWarning = WarningCollector(counted == 0 ? .allTargetsIgnored : .zeroWeightSum)
        if emptyMean { emptyWarning.hit(0) }
        extra.append(emptyWarning)
        classWarnings(&d, stats, extra: extra)
        // Raised whenever ignore_index is a class, also when no target uses it yet.
        let ii = o.integer(.ignoreIndex)
        if ii >= 0 && ii < Int64(layout.classes) {
            d.warnings.append(LossWarning(.ignoreIndexIsAClass, count: ignoredAsClass.count,
                                          examples: ignoredAsClass.warning?.examples ?? []))
        }
        let valueTensor = reduced
            ? ResultAssembly.tensor([], [value], o.dtype)
            : ResultAssembly.tensor(layout.positionShape, losses, o.dtype)
        return Computed(
            result: LossResult(value: valueTensor, grad: gradTensor, diagnostics: d),
            safeDiffersFromPyTorch: o.compat == .safe && (emptyMean || stats.pytorchNaNRows.count > 0))
    }

    /// The float32 fused kernel over every row. K-dimensional inputs, whose classes lie `inner`
    /// apart, are transposed into contiguous rows first (one buffer) and the gradient back.
    private static func fused(
        _ xs: UnsafeBufferPointer<Float>, _ job: LossJob, _ layout: ClassLayout, targets: [Int], row: SoftmaxRow,
        upstream: (scalar: Double, perRow: [Double]?), losses: inout [Double],
        gradientStorage: UnsafeMutableBufferPointer<Float>?
    ) -> (ClassRowStats, Tensor?) {
        let count = xs.count
        /// An uninitialized float buffer (the kernel writes every element: no zero-filling pass).
        func fresh() -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { buffer, n in
                if count > 0 { HugePages.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: count * 4) }
                n = count
            }
        }
        let transposed = layout.inner == 1 ? nil : layout.contiguousRows(xs)
        let direct = layout.inner == 1 && gradientStorage != nil
        var grad: [Float]? = job.computeGradient && !direct ? fresh() : nil
        var stats = ClassRowStats()
        transposed.withOptionalBuffer { transposed in
            let x = transposed ?? xs
            losses.withUnsafeMutableBufferPointer { losses in
                if direct || grad == nil {
                    stats = FusedCrossEntropy.run(x: x, classes: layout.classes, targets: targets, row: row,
                                                  upstream: upstream, losses: losses, grad: direct ? gradientStorage : nil,
                                                  maxThreads: job.maxThreads)
                } else {
                    grad!.withUnsafeMutableBufferPointer { g in
                        stats = FusedCrossEntropy.run(x: x, classes: layout.classes, targets: targets, row: row,
                                                      upstream: upstream, losses: losses, grad: g,
                                                      maxThreads: job.maxThreads)
                    }
                }
            }
        }
        guard let g = grad else { return (stats, nil) }
        if layout.inner == 1 && gradientStorage == nil { return (stats, Tensor(shape: job.input.shape, float32: g)) }
        var out = gradientStorage == nil ? fresh() : []
        g.withUnsafeBufferPointer { source in
            if let gradientStorage {
                layout.scatterRows(source, into: gradientStorage)
            } else {
                out.withUnsafeMutableBufferPointer { layout.scatterRows(source, into: $0) }
            }
        }
        return (stats, gradientStorage == nil ? Tensor(shape: job.input.shape, float32: out) : nil)
    }

    /// nll_loss row: l = -w[t] * x[t]; the gradient has one slot per counted row.
    private static func nllRow(
        _ x: UnsafeMutableBufferPointer<Double>, target: Int?, upstream u: Double, position: Int, row: SoftmaxRow,
        grad: UnsafeMutableBufferPointer<Double>?, stats: inout ClassRowStats
    ) -> Double {
        let scan = RowScan(x)
        scan.record(into: &stats, classes: row.classes)
        if let grad { for c in 0..<row.classes { grad[c] = 0 } }
        guard let t = target else { return 0 }
        let w = row.w(t)
        let loss = w * -x[t]
        stats.loss.add(loss)
        stats.lossSum += loss
        var expSum = 0.0
        for c in 0..<row.classes { expSum += exp(x[c]) }
        if scan.finiteMax > 1e-6 || scan.posInf > 0 || abs(expSum - 1) > 1e-3 { stats.notLogProbabilities.hit(position) }
        if scan.nan > 0 || scan.posInf > 0 { stats.nonfinite.hit(position) }
        if x[t] == -.infinity { stats.targetNegInf.hit(position) }
        stats.classifiedRows += 1
        if scan.nan == 0 && scan.argmax == t && x[t] == scan.max { stats.countCorrect(position) }
        stats.confidenceSum += exp(scan.max)
        if let grad {
            grad[t] = w * -u
            for c in 0..<row.classes { stats.gradient(grad[c]) }
        }
        return loss
    }

    private static func probabilityTargets(
        _ job: LossJob, _ layout: ClassLayout, _ x: [Double], _ yAll: [Double], _ row: SoftmaxRow
    ) throws(LossError) -> Computed {
        let o = job.options
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : layout.positionShape)
        let denominator = meanDenominator(o, job.name, otherwise: Double(layout.rows))
        let emptyMean = o.reduction == .mean && layout.rows == 0
        let meanScale = o.reduction == .mean ? g / denominator : g
        var losses = [Double](repeating: 0, count: layout.rows)
        var grad: [Double]? = job.computeGradient ? [Double](repeating: 0, count: x.count) : nil
        var stats = ClassRowStats()
        var zRow = [Double](repeating: 0, count: layout.classes)
        var yRow = [Double](repeating: 0, count: layout.classes)
        var gRow = [Double](repeating: 0, count: layout.classes)
        zRow.withUnsafeMutableBufferPointer { z in
            yRow.withUnsafeMutableBufferPointer { y in
                gRow.withUnsafeMutableBufferPointer { gr in
                    for r in 0..<layout.rows {
                        let start = layout.start(r)
                        for c in 0..<layout.classes {
                            z[c] = x[start + c * layout.inner]
                            y[c] = yAll[start + c * layout.inner]
                        }
                        let out: UnsafeMutableBufferPointer<Double>? = grad == nil ? nil : gr
                        losses[r] = row.probabilityRow(z, y: y, upstream: gPer?[r] ?? meanScale, position: r,
                                                       grad: out, stats: &stats)
                        if grad != nil {
                            for c in 0..<layout.classes { grad![start + c * layout.inner] = gr[c] }
                        }
                    }
                }
            }
        }
        var d = Diagnostics()
        let value = ResultAssembly.reduce(sum: stats.lossSum, denominator: denominator, o.reduction,
                                               pytorch: o.compat == .pytorch)
        counts(&d, layout, stats, counted: layout.rows)
        classStats(&d, stats, temperature: row.temperature, perplexity: false, entropy: true)
        if grad != nil { ResultAssembly.gradStats(&d, sumSquares: stats.gradSumSquares, maxAbs: stats.gradMaxAbs) }
        var empty = WarningCollector(.allTargetsIgnored)
        if emptyMean { empty.hit(0) }
        classWarnings(&d, stats, extra: [empty])
        let valueTensor = reduced
            ? ResultAssembly.tensor([], [value], o.dtype)
            : ResultAssembly.tensor(layout.positionShape, losses, o.dtype)
        return Computed(
            result: LossResult(value: valueTensor, grad: grad.map { ResultAssembly.tensor(job.input.shape, $0, o.dtype) },
                               diagnostics: d),
            safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
    }

    static func counts(_ d: inout Diagnostics, _ layout: ClassLayout, _ s: ClassRowStats, counted: Int) {
        d.counts = [
            .init("elements", .int(layout.elements)), .init("rows", .int(layout.rows)),
            .init("classes", .int(layout.classes)), .init("counted", .int(counted)),
            .init("ignored", .int(layout.rows - counted)), .init("nan", .int(s.nan)),
            .init("pos_inf", .int(s.posInf)), .init("neg_inf", .int(s.negInf)),
            .init("fully_masked_rows", .int(s.fullyMasked)),
        ]
    }

    static func classStats(_ d: inout Diagnostics, _ s: ClassRowStats, temperature: Double, perplexity: Bool,
                                   entropy: Bool) {
        let n = s.loss.count
        ResultAssembly.stat(&d, "loss_min", s.loss.min, if: n > 0)
        ResultAssembly.stat(&d, "loss_max", s.loss.max, if: n > 0)
        ResultAssembly.stat(&d, "loss_mean", s.loss.mean, if: n > 0)
        let rows = Double(s.classifiedRows)
        ResultAssembly.stat(&d, "accuracy", Double(s.correct) / rows, if: s.classifiedRows > 0)
        ResultAssembly.stat(&d, "mean_confidence", s.confidenceSum / rows, if: s.classifiedRows > 0)
        ResultAssembly.stat(&d, "mean_entropy", s.entropySum / rows, if: entropy && s.classifiedRows > 0)
        ResultAssembly.stat(&d, "perplexity", Glibc.exp(s.nllSum / rows), if: perplexity && s.classifiedRows > 0)
        ResultAssembly.stat(&d, "logit_min", s.logitMin * temperature, if: s.logitMin.isFinite)
        ResultAssembly.stat(&d, "logit_max", s.logitMax * temperature, if: s.logitMax.isFinite)
    }

    static func classWarnings(_ d: inout Diagnostics, _ s: ClassRowStats, extra: [WarningCollector]) {
        // INPUT_LOOKS_LIKE_PROBABILITIES only when every counted row looks like probabilities.
        let probabilities = s.looksLikeProbabilities.count == s.classifiedRows ? [s.looksLikeProbabilities] : []
        let collectors = [s.ignoredNonfinite, s.nonfinite, s.targetNegInf] + probabilities
            + [s.notLogProbabilities, s.extreme, s.unnormalizedTargets] + extra
        d.warnings += collectors.compactMap(\.warning)
    }
}
