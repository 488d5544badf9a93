/// The driver shared by the losses that give one value per sample (multilabel_soft_margin,
/// multilabel_margin, multi_margin, cosine_embedding, triplet_margin, triplet_margin_with_distance):
/// N samples, each a row of every tensor; PyTorch's reduction (mean divides by N); the upstream
/// gradient of each sample handed to the kernel before it computes that sample, so gradients are
/// written once, already scaled.
struct PerSampleLoss {
    let job: LossJob
    /// N (1 for an unbatched job).
    let samples: Int
    /// The shape of a reduction-none value: (N), or [] for an unbatched job.
    let valueShape: [Int]
    /// The differentiable tensors, in descriptor order, whose gradients the kernel writes.
    let gradientTensors: [(name: String, shape: [Int])]
    /// Where each gradient starts in the flat buffer handed to the kernel.
    let offsets: [Int]

    init(_ job: LossJob, samples: Int, valueShape: [Int], gradients names: [String]) {
        self.job = job
        self.samples = samples
        self.valueShape = valueShape
        gradientTensors = names.map { ($0, job.tensor($0).shape) }
        var offsets: [Int] = []
        var next = 0
        for t in gradientTensors {
            offsets.append(next)
            next += t.shape.reduce(1, *)
        }
        self.offsets = offsets
    }

    /// Runs `sample(n, scale, grad)` for every sample: it returns sample n's loss and, when
    /// `grad` is not nil, adds `scale` times d loss_n / d tensor into the flat gradient buffer
    /// (gradient k starts at `offsets[k]`; the buffer is zeroed). `warnings` are the kernel's,
    /// read after the last sample.
    func run(
        warnings: () -> [LossWarning] = { [] },
        _ sample: (_ n: Int, _ scale: Double, _ grad: UnsafeMutablePointer<Double>?) -> Double
    ) throws(LossError) -> Computed {
        try run(over: [], warnings: warnings) { n, scale, _, grad in sample(n, scale, grad) }
    }

    /// `run(warnings:_:)` for kernels that read their rows through a pointer to `values`.
    func run(
        over values: [Double], warnings: () -> [LossWarning] = { [] },
        _ sample: (_ n: Int, _ scale: Double, _ values: UnsafePointer<Double>, _ grad: UnsafeMutablePointer<Double>?)
            -> Double
    ) throws(LossError) -> Computed {
        let upstream = try Validation.gradOutput(job.gradOutput, valueShape: job.options.reduction != .none ? [] : valueShape)
        return values.withUnsafeBufferPointer { v in
            // An empty array may have no address; nothing is read through it then.
            let base = v.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Double>.alignment)!
            return assemble(upstream, warnings: warnings) { n, scale, grad in sample(n, scale, base, grad) }
        }
    }

    private func assemble(
        _ upstream: (scalar: Double, perElement: [Double]?), warnings: () -> [LossWarning],
        _ sample: (_ n: Int, _ scale: Double, _ grad: UnsafeMutablePointer<Double>?) -> Double
    ) -> Computed {
        let o = job.options
        let reduced = o.reduction != .none
        let (g, gPer) = upstream
        let scale = o.reduction == .mean ? g / Double(samples) : g
        let emptyMean = o.reduction == .mean && samples == 0
        let total = gradientTensors.reduce(0) { $0 + $1.shape.reduce(1, *) }
        var flat = [Double](repeating: 0, count: job.computeGradient ? total : 0)
        var losses = [Double](repeating: 0, count: samples)
        var loss = RunningStats()
        var nonfinite = WarningCollector(.nonfiniteInput)
        flat.withUnsafeMutableBufferPointer { buffer in
            let base = job.computeGradient ? buffer.baseAddress : nil
            for n in 0..<samples {
                let l = sample(n, gPer?[n] ?? scale, base)
                if !l.isFinite { nonfinite.hit(n) }
                losses[n] = l
                loss.add(l)
            }
        }
        var d = Diagnostics()
        d.counts = [.init("rows", .int(samples)),
                    .init("elements", .int(gradientTensors.first.map { $0.shape.reduce(1, *) } ?? 0))]
        ResultAssembly.stat(&d, "loss_min", loss.min, if: samples > 0)
        ResultAssembly.stat(&d, "loss_max", loss.max, if: samples > 0)
        ResultAssembly.stat(&d, "loss_mean", loss.mean, if: samples > 0)
        var gradients: [NamedTensor] = []
        if job.computeGradient {
            var sumSquares = 0.0, maxAbs = 0.0
            for v in flat {
                sumSquares += v * v
                maxAbs = Swift.max(maxAbs, abs(v))
            }
            ResultAssembly.gradStats(&d, sumSquares: sumSquares, maxAbs: maxAbs)
            for (k, t) in gradientTensors.enumerated() {
                let values = flat[offsets[k]..<offsets[k] + t.shape.reduce(1, *)]
                let tensor = o.dtype == .float32
                    ? Tensor(shape: t.shape, float32: values.map { Float($0) }) : Tensor(shape: t.shape, float64: Array(values))
                gradients.append(NamedTensor(t.name, tensor))
            }
        }
        d.warnings += [nonfinite.warning].compactMap { $0 } + warnings()
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let value = reduced
            ? ResultAssembly.tensor([], [ResultAssembly.reduce(sum: loss.sum, denominator: Double(samples), o.reduction,
                                                               pytorch: o.compat == .pytorch)], o.dtype)
            : ResultAssembly.tensor(valueShape, losses, o.dtype)
        return Computed(result: LossResult(value: value, gradients: gradients, diagnostics: d),
                        safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
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

    /// The values of `tensors`, one after the other in one buffer (the layout of the gradient
    /// buffer when they are the differentiable tensors).
    static func concatenated(_ tensors: [(Tensor, String)]) throws(LossError) -> [Double] {
        var total = 0
        for (t, field) in tensors {
            guard t.isFloatingPoint else {
                throw LossError(kind: .invalidTensor, field: field, detail: "\(field) must be float32 or float64, got int64")
            }
            total += t.count
        }
        return [Double](unsafeUninitializedCapacity: total) { out, initialized in
            var next = 0
            for (t, _) in tensors {
                let copied: Void? = t.withFloat32Elements { x in
                    for i in x.indices { out[next + i] = Double(x[i]) }
                }
                if copied == nil {
                    t.doubles.withUnsafeBufferPointer { x in
                        for i in x.indices { out[next + i] = x[i] }
                    }
                }
                next += t.count
            }
            initialized = total
        }
    }
}
