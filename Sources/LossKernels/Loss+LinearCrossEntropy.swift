extension LossName {
    /// `torch.nn.functional.linear_cross_entropy` (+ the cross_entropy extras, `softcap`).
    public static let linearCrossEntropy = LossName(declaring: "linear_cross_entropy")
}

extension LossOption {
    public static let softcap = LossOption(
        "softcap", default: .double(0), .real(.atLeast(0)),
        "logits -> cap * tanh(logits / cap) before the temperature (Gemma 2); 0: off")
    public static let memoryBudget = LossOption(
        "memory_budget", default: .int(64 << 20), .integer((1 << 20)...(1 << 40)),
        "bytes of working memory for the blocks of logits (rows x vocabulary); picks the block size")
    public static let filterGradient = LossOption(
        "filter_gradient", default: .bool(false), .boolean,
        "leave softmax entries below 2^-24 (float32 resolution) out of the gradient, as Cut Cross-Entropy does")
}

extension LossDescriptor {
    static let linearCrossEntropy = LossDescriptor(
        name: .linearCrossEntropy,
        summary: "cross entropy of a linear layer's outputs (PyTorch's linear_cross_entropy), fused: the logits are never stored",
        tensors: [
            TensorSpec("input", .floating, differentiable: true,
                       "hidden states: (H) or (N, H); with class_dim -1 also (B, T, H) and any (*, H)"),
            TensorSpec("linear_weight", .floating, differentiable: true, "(C, H) or (C, d1..dk, H)"),
            TensorSpec("target", .classIndicesOrProbabilities,
                       "class indices of shape (), (N), (N, d1..dk) or (*), or class probabilities of the logits' shape"),
            TensorSpec("linear_bias", .floating, required: false, differentiable: true, "(C) or (C, d1..dk)"),
            TensorSpec("weight", .floating, required: false, "class weights (C)"),
        ],
        options: [.ignoreIndex, .labelSmoothing, .temperature, .zLoss, .classDim, .shift, .numItemsInBatch, .softcap,
                  .memoryBudget, .filterGradient]
    ) { job, _ throws(LossError) in try Loss.linearCrossEntropy(job) }
}

/// linear_cross_entropy: shapes, targets and the result around the fused kernel
/// (`Internal/LinearHead.swift`).
extension Loss {
    static func linearCrossEntropy(_ job: LossJob) throws(LossError) -> Computed {
        let o = job.options
        let shape = try LinearHeadShape(job)
        let layout = try ClassLayout(inputShape: shape.logits, classesLast: shape.classesLast)
        try requireRepresentableReciprocal(o.real(.temperature), o.dtype)
        let weight = try classWeight(job.weight, layout)
        let row = SoftmaxRow(
            classes: layout.classes, weight: weight, weightSum: weight?.reduce(0, +) ?? Double(layout.classes),
            smoothing: o.real(.labelSmoothing), temperature: o.real(.temperature), zLoss: o.real(.zLoss),
            pytorch: o.compat == .pytorch)
        let targets: LinearHead.Targets
        let denominator: Double, counted: Int
        var ignoredAsClass = WarningCollector(.ignoreIndexIsAClass)
        if job.target.shape == shape.logits && job.target.isFloatingPoint && !shape.logits.isEmpty
            && (job.target.shape != layout.positionShape)
        {
            guard o.integer(.ignoreIndex) < 0 else {
                throw LossError(kind: .invalidOption, option: "ignore_index",
                                detail: "ignore_index is not supported for floating point (class probability) targets")
            }
            guard !o.boolean(.shift) else {
                throw LossError(kind: .invalidOption, option: "shift", detail: "shift needs class-index targets")
            }
            targets = .probabilities(try Validation.values(job.target, "target"), layout)
            (denominator, counted) = (meanDenominator(o, job.name, otherwise: Double(layout.rows)), layout.rows)
        } else {
            let t = try classTargets(job, layout, weight: weight, logitsShape: shape.logits)
            targets = .indices(t.targets)
            (denominator, counted, ignoredAsClass) = (meanDenominator(o, job.name, otherwise: t.denominator), t.counted,
                                                      t.ignoredAsClass)
        }
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : layout.positionShape)
        let emptyMean = o.reduction == .mean && denominator == 0
        let safeZero = emptyMean && o.compat == .safe
        let upstream = (scalar: safeZero ? 0 : o.reduction == .mean ? g / denominator : g,
                        perRow: safeZero ? nil : gPer)
        let problem = LinearHead.Problem(
            inputs: shape.inputs, hidden: shape.hidden, classes: layout.classes, slices: shape.slices, row: row,
            softcap: o.real(.softcap), filterThreshold: o.boolean(.filterGradient) ? 0x1p-24 : 0,
            memoryBudget: Int(o.integer(.memoryBudget)), maxThreads: job.maxThreads,
            computeGradient: job.computeGradient)
        var result: LossResult
        var stats: ClassRowStats
        switch o.dtype {
        case .float32:
            (result, stats) = run(Float.self, job, problem, targets, upstream)
        case .float64:
            (result, stats) = run(Double.self, job, problem, targets, upstream)
        }
        if safeZero { stats.gradSumSquares = 0; stats.gradMaxAbs = 0 }
        var d = Diagnostics()
        let value = ResultAssembly.reduce(sum: stats.lossSum, denominator: denominator, o.reduction,
                                          pytorch: o.compat == .pytorch)
        counts(&d, layout, stats, counted: counted)
        classStats(&d, stats, temperature: row.temperature, perplexity: true, entropy: true)
        if shape.classesLast, case .indices(let t) = targets {
            SequenceStats.append(to: &d, positionShape: layout.positionShape, targets: t,
                                 losses: result.value.doubles, correctPositions: stats.correctPositions)
        }
        if job.computeGradient { ResultAssembly.gradStats(&d, sumSquares: stats.gradSumSquares, maxAbs: stats.gradMaxAbs) }
        var empty = WarningCollector(counted == 0 ? .allTargetsIgnored : .zeroWeightSum)
        if emptyMean { empty.hit(0) }
        classWarnings(&d, stats, extra: [empty])
        let ii = o.integer(.ignoreIndex)
        if case .indices = targets, ii >= 0 && ii < Int64(layout.classes) {
            d.warnings.append(LossWarning(.ignoreIndexIsAClass, count: ignoredAsClass.count,
                                          examples: ignoredAsClass.warning?.examples ?? []))
        }
        result.value = reduced
            ? ResultAssembly.tensor([], [value], o.dtype)
            : ResultAssembly.tensor(layout.positionShape, result.value.doubles, o.dtype)
        result.diagnostics = d
        return Computed(result: result, safeDiffersFromPyTorch: o.compat == .safe && (emptyMean || stats.pytorchNaNRows.count > 0))
    }

    /// Runs the kernel in `T`; the result's value holds the per-position losses.
    private static func run<T: LinearHeadScalar>(
        _: T.Type, _ job: LossJob, _ problem: LinearHead.Problem, _ targets: LinearHead.Targets,
        _ upstream: (scalar: Double, perRow: [Double]?)
    ) -> (LossResult, ClassRowStats) {
        let out = withElements(job.input) { (x: UnsafeBufferPointer<T>) in
            withElements(job.tensor("linear_weight")) { (w: UnsafeBufferPointer<T>) in
                if let bias = job.tensors["linear_bias"] {
                    return withElements(bias) { (b: UnsafeBufferPointer<T>) in
                        LinearHead.run(x: x, w: w, bias: b, problem: problem, targets: targets, upstream: upstream)
                    }
                }
                return LinearHead.run(x: x, w: w, bias: nil, problem: problem, targets: targets, upstream: upstream)
            }
        }
        var stats = out.stats
        var gradients: [NamedTensor] = []
        if let gx = out.gradInput, let gw = out.gradWeight {
            for g in gx { stats.gradient(Double(g)) }
            gradients = [NamedTensor("input", tensor(job.input.shape, gx)),
                         NamedTensor("linear_weight", tensor(job.tensor("linear_weight").shape, gw))]
            if let gb = out.gradBias, let bias = job.tensors["linear_bias"] {
                gradients.append(NamedTensor("linear_bias", ResultAssembly.tensor(bias.shape, gb, job.options.dtype)))
            }
        }
        return (LossResult(value: Tensor(shape: [out.losses.count], float64: out.losses), gradients: gradients,
                           diagnostics: Diagnostics()), stats)
    }

    /// Calls `body` with a floating tensor's elements in `T`, where they are stored when they
    /// already are (`Loss.compute` converted the tensor to the job's dtype).
    private static func withElements<T: LinearHeadScalar, R>(_ t: Tensor, _ body: (UnsafeBufferPointer<T>) -> R) -> R {
        if T.self == Float.self, let r = t.withFloat32Elements({ body(UnsafeRawBufferPointer($0).bindMemory(to: T.self)) }) {
            return r
        }
        if T.self == Double.self, case .float64(let d) = t.storage {
            return d.withUnsafeBufferPointer { body(UnsafeRawBufferPointer($0).bindMemory(to: T.self)) }
        }
        return t.doubles.map { T($0) }.withUnsafeBufferPointer(body)
    }

    private static func tensor<T: LinearHeadScalar>(_ shape: [Int], _ values: [T]) -> Tensor {
        if let f = values as? [Float] { return Tensor(shape: shape, float32: f) }
        return Tensor(shape: shape, float64: values.map { Double($0) })
    }
}

/// The shapes of a linear_cross_entropy job, checked as torch checks them: input (H) or (N, H)
/// (with class_dim -1, any (*, H)), linear_weight (C, d1..dk, H), linear_bias (C, d1..dk).
struct LinearHeadShape {
    /// The logits torch's composite would build: (C), (N, C, d1..dk), or (*, C) with class_dim -1.
    let logits: [Int]
    let classesLast: Bool
    /// Hidden-state rows, hidden size, and K = d1 * ... * dk (1 without).
    let inputs: Int, hidden: Int, slices: Int

    init(_ job: LossJob) throws(LossError) {
        let x = job.input.shape, w = job.tensor("linear_weight").shape
        guard w.count >= 2 else {
            throw LossError(kind: .shapeMismatch, field: "linear_weight",
                            detail: "expected linear_weight with dimensionality at least 2, got \(w.count)")
        }
        let h = w[w.count - 1], classes = w[0], out = Array(w[1..<(w.count - 1)])
        guard let last = x.last, last == h else {
            throw LossError(kind: .shapeMismatch, field: "input",
                            detail: "expected equal input and linear_weight last dimensions (in_features), got \(x.last.map(String.init) ?? "a 0-d input") and \(h), respectively")
        }
        let classDim = job.options.integer(.classDim)
        guard classDim != 0 else {
            throw LossError(kind: .invalidOption, option: "class_dim",
                            detail: "class_dim is 1 (torch's shapes) or -1 (classes last: (*, H) hidden states, (*) targets)")
        }
        classesLast = classDim == -1
        if classesLast {
            guard out.isEmpty else {
                throw LossError(kind: .invalidOption, option: "class_dim",
                                detail: "class_dim -1 puts the classes last; a K-dimensional linear_weight \(w) needs class_dim 1")
            }
            logits = Array(x.dropLast()) + [classes]
        } else {
            guard x.count <= 2 else {
                throw LossError(kind: .shapeMismatch, field: "input",
                                detail: "expected input with dimensionality 1 or 2, got \(x.count); (B, T, H) hidden states with (B, T) labels (Hugging Face's layout): pass class_dim: -1")
            }
            guard x.count == 2 || out.isEmpty else {
                throw LossError(kind: .shapeMismatch, field: "input",
                                detail: "K-dimensional loss defined by linear_weight shape \(w) requires batched input, (N, \(h)), got unbatched input with shape \(x)")
            }
            logits = x.count == 1 ? [classes] : [x[0], classes] + out
        }
        let expectedBias = [classes] + out
        if let bias = job.tensors["linear_bias"], bias.shape != expectedBias {
            throw LossError(kind: .shapeMismatch, field: "linear_bias",
                            detail: "expected linear_bias shape \(expectedBias), got \(bias.shape)")
        }
        hidden = h
        slices = out.reduce(1, *)
        inputs = x.dropLast().reduce(1, *)
        // BLAS takes 32-bit sizes and strides.
        let limit = Int(Int32.max)
        guard h <= limit, classes <= limit, slices * h <= limit, inputs <= limit else {
            throw LossError(kind: .invalidTensor, field: "linear_weight",
                            detail: "sizes above \(limit) (H, C, K * H or N) are beyond the BLAS interface")
        }
    }
}
