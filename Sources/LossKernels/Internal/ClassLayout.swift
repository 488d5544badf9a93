/// Where the class dimension sits: PyTorch puts classes in dim 1 for (N, C, d1..dk) and in dim 0
/// for an unbatched (C) input; with `classesLast` (Hugging Face's (B, T, V) layout) they are the
/// last dimension. A "row" is one position: its C logits lie `inner` elements apart.
struct ClassLayout {
    let outer: Int
    let classes: Int
    let inner: Int
    /// The shape of a reduction-none value and of class-index targets: (N, d1..dk), or [] unbatched.
    let positionShape: [Int]

    var rows: Int { outer * inner }
    var elements: Int { outer * classes * inner }

    init(inputShape s: [Int], classesLast: Bool = false) throws(LossError) {
        // Checked before any product of sizes: [0, 1, 2^40, 2^40] holds no element, but its
        // inner size would overflow.
        guard Tensor.elementCount(of: s) != nil else {
            throw LossError(kind: .invalidTensor, field: "input", detail: "shape \(s) has a negative or overflowing size")
        }
        guard !s.isEmpty else {
            throw LossError(kind: .shapeMismatch, field: "input", detail: "Expected 1 or more dimensions (got 0)")
        }
        if classesLast && s.count > 1 {
            (classes, inner, positionShape) = (s[s.count - 1], 1, Array(s.dropLast()))
            outer = positionShape.reduce(1, *)
        } else if s.count == 1 {
            (outer, classes, inner, positionShape) = (1, s[0], 1, [])
        } else {
            outer = s[0]
            classes = s[1]
            inner = s.dropFirst(2).reduce(1, *)
            positionShape = [s[0]] + s.dropFirst(2)
        }
        guard classes > 0 else {
            throw LossError(kind: .shapeMismatch, field: "input", detail: "the class dimension must not be empty")
        }
    }

    /// The elements reordered so that each row's C values are contiguous: (N, C, D) -> (N, D, C).
    func contiguousRows(_ x: UnsafeBufferPointer<Float>) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { out, n in
            for b in 0..<outer {
                let base = b * classes * inner
                for c in 0..<classes {
                    for d in 0..<inner { out[base + d * classes + c] = x[base + c * inner + d] }
                }
            }
            n = x.count
        }
    }

    /// The inverse of `contiguousRows`: (N, D, C) rows back into the input's (N, C, D) layout.
    func scatterRows(_ rows: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        for b in 0..<outer {
            let base = b * classes * inner
            for c in 0..<classes {
                for d in 0..<inner { out[base + c * inner + d] = rows[base + d * classes + c] }
            }
        }
    }

    /// Flat index of class 0 of row `r`; class c is at `start(r) + c * inner`.
    @inline(__always) func start(_ r: Int) -> Int { (r / inner) * classes * inner + r % inner }
}

/// Per-job accumulators of the class losses, filled row by row (per thread, then merged).
struct ClassRowStats {
    var nan = 0, posInf = 0, negInf = 0, fullyMasked = 0
    var logitMin = Double.infinity, logitMax = -Double.infinity
    /// Per counted sample loss.
    var loss = RunningStats()
    /// Sum of every row's loss (the reduction's numerator).
    var lossSum = 0.0
    var correct = 0, confidenceSum = 0.0, entropySum = 0.0, nllSum = 0.0, classifiedRows = 0
    /// The positions counted in `correct`, in row order (per-sequence token accuracy).
    var correctPositions: [Int] = []
    var gradSumSquares = 0.0, gradMaxAbs = 0.0
    var ignoredNonfinite = WarningCollector(.ignoredRowNonfinite)
    var nonfinite = WarningCollector(.nonfiniteInput)
    var targetNegInf = WarningCollector(.targetLogitNegInf)
    var looksLikeProbabilities = WarningCollector(.inputLooksLikeProbabilities)
    var notLogProbabilities = WarningCollector(.inputNotLogProbabilities)
    var extreme = WarningCollector(.extremeLogits)
    var unnormalizedTargets = WarningCollector(.probabilityTargetsNotNormalized)
    /// Rows whose gradient PyTorch makes NaN while safe mode gives zeros.
    var pytorchNaNRows = PositionSample()

    mutating func merge(_ o: ClassRowStats) {
        nan += o.nan; posInf += o.posInf; negInf += o.negInf; fullyMasked += o.fullyMasked
        logitMin = Swift.min(logitMin, o.logitMin); logitMax = Swift.max(logitMax, o.logitMax)
        loss.merge(o.loss); lossSum += o.lossSum
        correct += o.correct; correctPositions += o.correctPositions; confidenceSum += o.confidenceSum; entropySum += o.entropySum
        nllSum += o.nllSum; classifiedRows += o.classifiedRows
        gradSumSquares += o.gradSumSquares; gradMaxAbs = Swift.max(gradMaxAbs, o.gradMaxAbs)
        ignoredNonfinite.merge(o.ignoredNonfinite); nonfinite.merge(o.nonfinite)
        targetNegInf.merge(o.targetNegInf); looksLikeProbabilities.merge(o.looksLikeProbabilities)
        notLogProbabilities.merge(o.notLogProbabilities); extreme.merge(o.extreme)
        unnormalizedTargets.merge(o.unnormalizedTargets); pytorchNaNRows.merge(o.pytorchNaNRows)
    }

    /// A counted row whose argmax is its target.
    mutating func countCorrect(_ position: Int) {
        correct += 1
        correctPositions.append(position)
    }

    /// Adds one gradient element to the gradient statistics.
    @inline(__always) mutating func gradient(_ g: Double) {
        gradSumSquares += g * g
        if abs(g) > gradMaxAbs { gradMaxAbs = abs(g) }
    }
}

/// The scan every class row starts with: max (NaN if any NaN), first argmax, special values,
/// finite range and sum.
struct RowScan {
    var max = -Double.infinity
    var argmax = 0
    var nan = 0, posInf = 0, negInf = 0
    var finiteMin = Double.infinity, finiteMax = -Double.infinity
    var sum = 0.0

    init(_ z: UnsafeMutableBufferPointer<Double>) {
        for c in z.indices {
            let v = z[c]
            if v.isNaN { nan += 1; continue }
            if v > max { max = v; argmax = c }
            if v == .infinity { posInf += 1 } else if v == -.infinity { negInf += 1 } else {
                finiteMin = Swift.min(finiteMin, v); finiteMax = Swift.max(finiteMax, v)
            }
            sum += v
        }
        if nan > 0 { max = .nan }
    }

    /// PyTorch's log_softmax of this row is NaN (NaN, +inf or all -inf): its gradient is NaN.
    func softmaxIsNaN(classes: Int) -> Bool { nan > 0 || posInf > 0 || negInf == classes }

    /// Every value in [0, 1] and the row sums to 1 within 1e-3: softmax was probably applied already.
    func looksLikeProbabilities(classes: Int) -> Bool {
        classes >= 2 && nan == 0 && finiteMin >= 0 && finiteMax <= 1 && posInf == 0 && negInf == 0 && abs(sum - 1) <= 1e-3
    }

    func record(into s: inout ClassRowStats, classes: Int) {
        s.nan += nan; s.posInf += posInf; s.negInf += negInf
        if negInf == classes { s.fullyMasked += 1 }
        s.logitMin = Swift.min(s.logitMin, finiteMin); s.logitMax = Swift.max(s.logitMax, finiteMax)
    }
}
