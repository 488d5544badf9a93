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

    /// Runs a float32 job like `compute(_:)` but writes the gradient into caller-provided storage
    /// (`result.grad` is nil), so a training loop can reuse one buffer for every step instead of
    /// paying for a fresh gradient (page faults on a 0.5 GB gradient cost as much as the kernel).
    /// The fused cross-entropy kernel writes straight into it; other losses copy into it.
    ///
    /// - Throws: `LossError` as `compute(_:)`, and `.invalidOption` on `options/dtype` unless
    ///   float32, `.shapeMismatch` on `gradient` unless it holds one element per input element.
    public static func compute(_ job: LossJob, gradientInto gradient: UnsafeMutableBufferPointer<Float>)
        throws(LossError) -> LossResult
    {
        guard job.options.dtype == .float32 else {
            throw LossError(kind: .invalidOption, field: "options/dtype", detail: "gradient storage is float32")
        }
        guard gradient.count == job.input.count else {
            throw LossError(kind: .shapeMismatch, field: "gradient",
                            detail: "gradient storage holds \(gradient.count) elements, the input \(job.input.count)")
        }
        var job = job
        job.computeGradient = true
        var result = try compute(job, gradientStorage: gradient)
        if let grad = result.grad, case .float32(let g) = grad.storage {
            _ = gradient.update(fromContentsOf: g)
            result.grad = nil
        }
        return result
    }

    private static func compute(_ job: LossJob, gradientStorage: UnsafeMutableBufferPointer<Float>?)
        throws(LossError) -> LossResult
    {
        var job = job
        _ = try Validation.consistent(job.input, "input")
        job.input = job.input.converted(to: job.options.dtype)
        var computed = try dispatch(job, gradientStorage: gradientStorage)
        if computed.safeDiffersFromPyTorch {
            var torchJob = job
            torchJob.options.compat = .pytorch
            let torch = try dispatch(torchJob).result
            // A gradient written into caller storage is compared from there (a copy, only when
            // the modes differ).
            var safe = computed.result
            if safe.grad == nil, let gradientStorage {
                safe.grad = Tensor(shape: job.input.shape, float32: Array(gradientStorage))
            }
            computed.result.diagnostics.pytorch = PyTorchComparison.entries(safe: safe, pytorch: torch)
        }
        return computed.result
    }

    private static func dispatch(_ job: LossJob, gradientStorage: UnsafeMutableBufferPointer<Float>? = nil)
        throws(LossError) -> Computed
    {
        switch job.name {
        case .crossEntropy: return try crossEntropy(job, gradientStorage: gradientStorage)
        case .nllLoss: return try nllLoss(job)
        case .binaryCrossEntropy: return try binaryCrossEntropy(job)
        case .binaryCrossEntropyWithLogits: return try binaryCrossEntropyWithLogits(job)
        case .klDiv: return try klDivergence(job)
        case .mseLoss, .l1Loss, .smoothL1Loss, .huberLoss: return try regression(job)
        case .sigmoidFocalLoss: return try sigmoidFocal(job)
        }
    }
}
