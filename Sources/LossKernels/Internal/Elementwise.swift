import Glibc

/// The driver shared by the elementwise losses (binary cross entropies, kl_div, regression,
/// focal): input and target of one shape, one (loss, d loss / d input) pair per element, then
/// PyTorch's reduction (mean and its gradient divide by numel; batchmean by input.size(0)).
struct Elementwise {
    let job: LossJob
    let x: [Double]
    let y: [Double]

    /// Validates the shared contract: float input, target of the input's shape.
    init(_ job: LossJob) throws(LossError) {
        self.job = job
        x = try Validation.floats(job.input, "input")
        guard job.target.shape == job.input.shape else {
            var detail = "target size \(job.target.shape) must be the same as input size \(job.input.shape)"
            if let both = Self.broadcastShape(job.input.shape, job.target.shape) {
                detail += "; PyTorch would broadcast both to \(both) with only a UserWarning, almost always a bug "
                    + "(pytorch/pytorch#16045), so lossd refuses"
            }
            throw LossError(kind: .shapeMismatch, field: "target", detail: detail)
        }
        y = try Validation.values(job.target, "target")
    }

    /// The shape PyTorch's broadcasting gives `a` and `b` (trailing dimensions aligned, a 1
    /// stretching to the other size), or nil when they do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var shape = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { return nil }
            shape[i] = da == 1 ? db : da
        }
        return shape
    }

    /// First element of `values` (the elements of `tensor`) outside [0, 1] (NaN included), as an
    /// error on `field`.
    func requireUnitInterval(_ values: [Double], of tensor: Tensor, _ field: String) throws(LossError) {
        for i in values.indices where !(values[i] >= 0 && values[i] <= 1) {
            throw .element(.invalidTensor, field, flat: i, shape: tensor.shape,
                           "all elements of \(field) should be between 0 and 1, got \(tensor.elementDescription(i))")
        }
    }

    /// Runs `element(i, x, y) -> (loss, dloss/dx)` over every element and reduces.
    /// `probability(i)` (binary losses) feeds accuracy and confidence; `clamped(i)` LOG_CLAMPED.
    func run(
        probability: ((Int) -> Double)? = nil, clamped: ((Int) -> Bool)? = nil,
        _ element: (Int, Double, Double) -> (loss: Double, grad: Double)
    ) throws(LossError) -> Computed {
        let o = job.options
        let n = x.count
        let reduced = o.reduction != .none
        let (g, gPer) = try Validation.gradOutput(job.gradOutput, valueShape: reduced ? [] : job.input.shape)
        let denominator: Double = switch o.reduction {
        case .batchmean: Double(job.input.shape.first ?? 1)
        default: Double(n)
        }
        let scale = o.reduction == .mean || o.reduction == .batchmean ? g / denominator : g
        let emptyMean = (o.reduction == .mean || o.reduction == .batchmean) && denominator == 0
        var losses = [Double](repeating: 0, count: n)
        var grad: [Double]? = job.computeGradient ? [Double](repeating: 0, count: n) : nil
        var loss = RunningStats()
        var nan = 0, posInf = 0, negInf = 0
        var inputMin = Double.infinity, inputMax = -Double.infinity
        var nonfinite = WarningCollector(.nonfiniteInput)
        var logClamped = WarningCollector(.logClamped)
        var correct = 0, confidence = 0.0
        var sumSquares = 0.0, maxAbs = 0.0
        for i in 0..<n {
            let xi = x[i]
            if xi.isNaN { nan += 1 } else if xi == .infinity { posInf += 1 } else if xi == -.infinity { negInf += 1 } else {
                inputMin = Swift.min(inputMin, xi); inputMax = Swift.max(inputMax, xi)
            }
            if xi.isNaN || xi == .infinity { nonfinite.hit(i) }
            let (l, d) = element(i, xi, y[i])
            losses[i] = l
            loss.add(l)
            if let clamped, clamped(i) { logClamped.hit(i) }
            if let probability {
                let p = probability(i)
                if (p >= 0.5) == (y[i] >= 0.5) { correct += 1 }
                confidence += Swift.max(p, 1 - p)
            }
            if grad != nil {
                let gi = d * (gPer?[i] ?? scale)
                grad![i] = emptyMean && o.compat == .safe ? 0 : gi
                sumSquares += grad![i] * grad![i]
                maxAbs = Swift.max(maxAbs, abs(grad![i]))
            }
        }
        var d = Diagnostics()
        d.counts = [.init("elements", .int(n)), .init("nan", .int(nan)), .init("pos_inf", .int(posInf)),
                    .init("neg_inf", .int(negInf))]
        ResultAssembly.stat(&d, "loss_min", loss.min, if: n > 0)
        ResultAssembly.stat(&d, "loss_max", loss.max, if: n > 0)
        ResultAssembly.stat(&d, "loss_mean", loss.mean, if: n > 0)
        ResultAssembly.stat(&d, "accuracy", Double(correct) / Double(n), if: probability != nil && n > 0)
        ResultAssembly.stat(&d, "mean_confidence", confidence / Double(n), if: probability != nil && n > 0)
        ResultAssembly.stat(&d, "input_min", inputMin, if: inputMin.isFinite)
        ResultAssembly.stat(&d, "input_max", inputMax, if: inputMax.isFinite)
        if grad != nil { ResultAssembly.gradStats(&d, sumSquares: sumSquares, maxAbs: maxAbs) }
        d.warnings += [nonfinite, logClamped].compactMap(\.warning)
        if emptyMean { d.warnings.append(LossWarning(.allTargetsIgnored, count: 1, examples: [])) }
        let value = ResultAssembly.reduce(sum: loss.sum, denominator: denominator, o.reduction,
                                               pytorch: o.compat == .pytorch)
        let valueTensor = reduced
            ? ResultAssembly.tensor([], [value], o.dtype) : ResultAssembly.tensor(job.input.shape, losses, o.dtype)
        return Computed(
            result: LossResult(value: valueTensor, grad: grad.map { ResultAssembly.tensor(job.input.shape, $0, o.dtype) },
                               diagnostics: d),
            safeDiffersFromPyTorch: o.compat == .safe && emptyMean)
    }
}

/// PyTorch's CPU log_sigmoid: min(x, 0) - log1p(exp(-|x|)).
@inline(__always) func logSigmoid(_ x: Double) -> Double { Swift.min(x, 0) - log1p(exp(-abs(x))) }

/// PyTorch's sigmoid: 1 / (1 + exp(-x)).
@inline(__always) func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
