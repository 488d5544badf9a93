/// mse_loss, l1_loss, smooth_l1_loss, huber_loss with d = x - y (PyTorch CPU kernels).
///
/// ```
/// mse:        d^2                                        2 d
/// l1:         |d|                                        sign(d), 0 at 0
/// smooth_l1:  |d| < b ? 0.5 d^2 / b : |d| - 0.5 b        d <= -b ? -1 : d >= b ? 1 : d / b
///             (b = 0 is l1_loss, as torch.nn.functional routes it)
/// huber:      |d| < k ? 0.5 d^2 : k (|d| - 0.5 k)        d <= -k ? -k : d >= k ? k : d
/// ```
extension Loss {
    static func regression(_ job: LossJob) throws(LossError) -> Computed {
        let e = try Elementwise(job)
        try Validation.noWeights(job)
        let beta = job.options.beta, delta = job.options.delta
        switch job.name {
        case .mseLoss:
            return try e.run { _, x, y in let d = x - y; return (d * d, 2 * d) }
        case .smoothL1Loss where beta > 0:
            return try e.run { _, x, y in
                let d = x - y, z = abs(d)
                let l = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
                return (l, d <= -beta ? -1 : d >= beta ? 1 : d / beta)
            }
        case .huberLoss:
            return try e.run { _, x, y in
                let d = x - y, z = abs(d)
                let l = z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
                return (l, d <= -delta ? -delta : d >= delta ? delta : d)
            }
        default:  // l1_loss, and smooth_l1_loss with beta = 0
            return try e.run { _, x, y in
                let d = x - y
                return (abs(d), d.isNaN ? .nan : d > 0 ? 1 : d < 0 ? -1 : 0)
            }
        }
    }
}
