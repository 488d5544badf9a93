extension Loss {
    /// Runs one job: validates it, computes the value, the gradient (if asked) and diagnostics.
    ///
    /// Computation happens in `job.options.dtype`; float32 jobs accumulate every sum in `Double`.
    /// Bad user data never traps: it comes back as a `LossError`.
    ///
    /// - Throws: `LossError` (shape mismatch, target out of range, invalid tensor, invalid option).
    public static func compute(_ job: LossJob) throws(LossError) -> LossResult {
        throw LossError(kind: .invalidOption, field: "loss", detail: "\(job.name.rawValue) is not implemented yet")
    }
}
