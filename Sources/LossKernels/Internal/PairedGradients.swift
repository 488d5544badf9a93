/// The driver of the elementwise losses that differentiate two tensors (margin_ranking_loss:
/// input1 and input2; gaussian_nll_loss: input and var): one loss and two derivatives per element
/// of the first tensor, PyTorch's reduction over those elements (mean divides by their number),
/// and the second gradient summed back onto its own tensor's elements where that tensor was
/// broadcast (a var with one fewer dimension, or a size 1 in one dimension).
struct PairedGradients {
    /// Wire name and shape of the tensor whose elements the loop runs over.
    let first: (name: String, shape: [Int])
    /// Wire name and shape of the second differentiable tensor, and for each element of the
    /// first the element of the second it reads (nil: the same index).
    let second: (name: String, shape: [Int], index: [Int]?)

    /// Per element: the loss, d loss / d first, d loss / d second.
    typealias Element = (loss: Double, dFirst: Double, dSecond: Double)

    /// Runs `element(i)` over every element of the first tensor and assembles the result:
    /// value (reduced or of the first tensor's shape), both gradients of
    /// sum(grad_output * value) when the job asks for them, and the shared diagnostics
    /// (`elements`, `nan`; loss and gradient statistics). Safe mode answers 0 with zero gradients
    /// for a mean over no elements (PyTorch: NaN) and warns ALL_TARGETS_IGNORED.
    func run(_ job: LossJob, _ element: (Int) -> Element) throws(LossError) -> Computed {
        let o = job.options
        let n = Tensor.elementCount(of: first.shape) ?? 0
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : first.shape)
        let emptyMean = o.reduction == .mean && n == 0
        let scale = emptyMean && o.compat == .safe ? 0 : o.reduction == .mean ? g / Double(n) : g
        var losses = reduced ? [] : [Double](repeating: 0, count: n)
        var gradFirst = job.computeGradient ? [Double](repeating: 0, count: n) : []
        var gradSecond = job.computeGradient
            ? [Double](repeating: 0, count: Tensor.elementCount(of: second.shape) ?? 0) : []
        var stats = RunningStats()
        var nan = 0
        for i in 0..<n {
            let e = element(i)
            if e.loss.isNaN { nan += 1 }
            stats.add(e.loss)
            if !reduced { losses[i] = e.loss }
            guard job.computeGradient else { continue }
            let w = gPer?[i] ?? scale
            gradFirst[i] = e.dFirst * w
            gradSecond[second.index?[i] ?? i] += e.dSecond * w
        }
        var d = Diagnostics()
        d.counts = [.init("elements", .int(n)), .init("nan", .int(nan))]
        ResultAssembly.stat(&d, "loss_min", stats.min, if: n > 0)
        ResultAssembly.stat(&d, "loss_max", stats.max, if: n > 0)
        ResultAssembly.stat(&d, "loss_mean", stats.mean, if: n > 0)
        var gradients: [NamedTensor] = []
        if job.computeGradient {
            let all = gradFirst + gradSecond
            ResultAssembly.gradStats(
                &d, sumSquares: all.reduce(0) { $0 + $1 * $1 }, maxAbs: all.reduce(0) { Swift.max($0, abs($1)) })
            gradients = [NamedTensor(first.name, ResultAssembly.tensor(first.shape, gradFirst, o.dtype)),
                         NamedTensor(second.name, ResultAssembly.tensor(second.shape, gradSecond, o.dtype))]
        }
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let value = reduced
            ? ResultAssembly.tensor([], [ResultAssembly.reduce(sum: stats.sum, denominator: Double(n), o.reduction,
                                                               pytorch: o.compat == .pytorch)], o.dtype)
            : ResultAssembly.tensor(first.shape, losses, o.dtype)
        return Computed(result: LossResult(value: value, gradients: gradients, diagnostics: d),
                        safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
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
