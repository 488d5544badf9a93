import Glibc

/// kl_div (PyTorch's composite): input is log q; target p, or log p with log_target.
///
/// ```
/// log_target = false:  l = xlogy(y, y) - y * x     dl/dx = -y      (xlogy(0, y) = 0)
/// log_target = true:   l = exp(y) * (y - x)        dl/dx = -exp(y)
/// ```
/// mean divides by numel; batchmean by input.size(0) (the sum for a 0-d input).
extension Loss {
    static func klDivergence(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        try Validation.noWeights(job)
        let logTarget = job.options.logTarget
        return try e.run { _, x, y in
            if logTarget { return (exp(y) * (y - x), -exp(y)) }
            let xlogy = y.isNaN ? Double.nan : (y == 0 ? 0 : y * log(y))
            return (xlogy - y * x, -y)
        }
    }
}
