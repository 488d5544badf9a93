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
        var job = job
        _ = try Validation.consistent(job.input, "input")
        job.input = job.input.converted(to: job.options.dtype)
        var computed = try dispatch(job)
        if computed.safeDiffersFromPyTorch {
            var torchJob = job
            torchJob.options.compat = .pytorch
            let torch = try dispatch(torchJob).result
            computed.result.diagnostics.pytorch = PyTorchComparison.entries(safe: computed.result, pytorch: torch)
        }
        return computed.result
    }

    private static func dispatch(_ job: LossJob) throws(LossError) -> Computed {
        switch job.name {
        case .crossEntropy: return try crossEntropy(job)
        case .nllLoss: return try nllLoss(job)
        case .binaryCrossEntropy: return try binaryCrossEntropy(job)
        case .binaryCrossEntropyWithLogits: return try binaryCrossEntropyWithLogits(job)
        case .klDiv: return try klDivergence(job)
        case .mseLoss, .l1Loss, .smoothL1Loss, .huberLoss: return try regression(job)
        case .sigmoidFocalLoss: return try sigmoidFocal(job)
        }
    }
}
