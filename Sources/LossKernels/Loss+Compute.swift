extension Loss {
    /// Runs one job: validates it, computes the value, the gradient (if asked) and diagnostics.
    ///
    /// Computation happens in `job.options.dtype` (the input is converted to it); float32 jobs
    /// accumulate every sum in `Double`. Bad user data never traps: it comes back as a `LossError`.
    /// In safe mode, when the answer differs from PyTorch's, the job is also run in pytorch mode
    /// and `diagnostics.pytorch` says what PyTorch would have returned.
    ///
    /// - Throws: `LossError` (shape mismatch, target out of range, invalid tensor, invalid option).
    /// - Complexity: O(elements); one allocation per tensor, none per row or element.
    public static func compute(_ job: LossJob) throws(LossError) -> LossResult {
        try compute(job, gradientStorage: nil)
    }

    /// Runs a float32 job like `compute(_:)` but writes the gradient of the first differentiable
    /// tensor into caller-provided storage (it is then missing from `result.gradients`), so a
    /// training loop can reuse one buffer for every step instead of paying for a fresh gradient
    /// (page faults on a 0.5 GB gradient cost as much as the kernel). The fused cross-entropy
    /// kernel writes straight into it; other losses copy into it.
    ///
    /// - Throws: `LossError` as `compute(_:)`, and `.invalidOption` on `dtype` unless float32,
    ///   `.shapeMismatch` on `gradient` unless it holds one element per element of that tensor.
    public static func compute(_ job: LossJob, gradientInto gradient: UnsafeMutableBufferPointer<Float>)
        throws(LossError) -> LossResult
    {
        guard job.options.dtype == .float32 else {
            throw LossError(kind: .invalidOption, option: "dtype", detail: "gradient storage is float32")
        }
        let first = descriptor(job.name).differentiable.first?.name ?? "input"
        let count = job.tensors[first]?.count ?? 0
        guard gradient.count == count else {
            throw LossError(kind: .shapeMismatch, field: first,
                            detail: "gradient storage holds \(gradient.count) elements, \(first) \(count)")
        }
        var job = job
        job.computeGradient = true
        var result = try compute(job, gradientStorage: gradient)
        if let grad = result.gradients.first, grad.name == first, case .float32(let g) = grad.tensor.storage {
            _ = gradient.update(fromContentsOf: g)
            result.gradients.removeFirst()
        }
        return result
    }

    private static func compute(_ job: LossJob, gradientStorage: UnsafeMutableBufferPointer<Float>?)
        throws(LossError) -> LossResult
    {
        let descriptor = descriptor(job.name)
        let job = try prepared(job, descriptor)
        var computed = try descriptor.compute(job, gradientStorage)
        computed.result.diagnostics.warnings += nanWarnings(job, descriptor)
        if computed.result.diagnostics.warnings.isEmpty, !isFinite(computed.result) {
            computed.result.diagnostics.warnings.append(LossWarning(.nonfiniteResult, count: 1, examples: []))
        }
        if computed.safeDiffersFromPyTorch {
            var torchJob = job
            torchJob.options.compat = .pytorch
            let torch = try descriptor.compute(torchJob, nil).result
            // A gradient written into caller storage is compared from there (a copy, only when
            // the modes differ).
            var safe = computed.result
            if let gradientStorage, let first = descriptor.differentiable.first,
                !safe.gradients.contains(where: { $0.name == first.name })
            {
                safe.gradients.insert(
                    NamedTensor(first.name, Tensor(shape: job.tensor(first.name).shape, float32: Array(gradientStorage))),
                    at: 0)
            }
            computed.result.diagnostics.pytorch = PyTorchComparison.entries(safe: safe, pytorch: torch)
        }
        return computed.result
    }

    /// NAN_IN_TENSOR for each floating tensor but the first differentiable one (whose NaNs the
    /// kernels count and name) and for grad_output.
    private static func nanWarnings(_ job: LossJob, _ descriptor: LossDescriptor) -> [LossWarning] {
        let first = descriptor.differentiable.first?.name
        let named = descriptor.tensors.filter { $0.name != first }.compactMap { spec in
            job.tensors[spec.name].map { (spec.name, $0) }
        } + (job.gradOutput.map { [("grad_output", $0)] } ?? [])
        return named.compactMap { name, tensor in
            // Read where the elements are stored: a widened copy would double a probability
            // target's memory on every request just to find that it has no NaN.
            var nan = PositionSample()
            if case .float64(let values) = tensor.storage {
                for i in values.indices where values[i].isNaN { nan.hit(i) }
            } else {
                _ = tensor.withFloat32Elements { values in
                    // 8 lanes at a time; a run with a NaN is then read element by element.
                    var i = 0
                    if let raw = UnsafeRawPointer(values.baseAddress) {
                        while i + 8 <= values.count {
                            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: FloatLanes.self)
                            if any(x .!= x) { for j in i..<(i + 8) where values[j].isNaN { nan.hit(j) } }
                            i += 8
                        }
                    }
                    for j in i..<values.count where values[j].isNaN { nan.hit(j) }
                }
            }
            return nan.count == 0 ? nil : LossWarning(.nanInTensor, about: name, count: nan.count, examples: nan.examples)
        }
    }

    /// Whether the value and every gradient are finite (gradients judged by their L2 norm, which
    /// the kernels compute anyway: a NaN or infinite element makes it so).
    private static func isFinite(_ result: LossResult) -> Bool {
        if let norm = result.diagnostics.stat("grad_l2_norm"), !norm.isFinite { return false }
        return result.value.doubles.allSatisfy(\.isFinite)
    }

    /// The job checked against its descriptor (no unknown or missing tensor, storage that fits
    /// each shape, a reduction the loss has), with its floating tensors in the job's dtype.
    private static func prepared(_ job: LossJob, _ descriptor: LossDescriptor) throws(LossError) -> LossJob {
        var job = job
        let names = descriptor.tensors.map(\.name).joined(separator: ", ")
        for name in job.tensors.keys.sorted() where descriptor.tensor(name) == nil {
            throw LossError(kind: .invalidTensor, field: name, detail: "\(job.name) takes no \(name); its tensors are \(names)")
        }
        for spec in descriptor.tensors {
            guard let tensor = job.tensors[spec.name] else {
                if spec.required {
                    throw LossError(kind: .invalidTensor, field: spec.name, detail: "\(job.name) needs a \(spec.name) tensor")
                }
                continue
            }
            _ = try Validation.consistent(tensor, spec.name)
            if spec.role == .floating { job.tensors[spec.name] = tensor.converted(to: job.options.dtype) }
        }
        guard descriptor.reductions.contains(job.options.reduction) else {
            throw LossError(
                kind: .invalidOption, option: "reduction",
                detail: "\(job.name) accepts reduction " + descriptor.reductions.map(\.rawValue).joined(separator: ", ")
                    + "; not \(job.options.reduction.rawValue)")
        }
        return job
    }
}
