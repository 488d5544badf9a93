/// Every sample of a ctc_loss job, on up to two threads (`ParallelRows`; samples handed out one
/// at a time by a `ChunkQueue`, each writing only its own losses, flags and gradient elements).
enum CTCSamples {
    struct Output {
        /// Each sample's loss, 0 where an infinite one was zeroed.
        var nll: [Double]
        /// Whether each sample's loss was infinite (before zeroing).
        var infinite: [Bool]
        /// Per frame row t * N + n within the sample's input length: not a log_softmax output.
        var notNormalized: [Bool]
        /// The gradient with respect to log_probs, in their type, when the job asks for it.
        var grad: Tensor?
        /// The gradient's sum of squares and largest magnitude.
        var gradSumSquares: Double
        var gradMaxAbs: Double
    }

    static func run<Scalar: BinaryFloatingPoint>(
        _ lp: UnsafeBufferPointer<Scalar>, _ problem: CTCProblem, _ job: LossJob, zeroInfeasible: Bool,
        upstream: (Int) -> Double, tensor: ([Scalar]) -> Tensor
    ) -> Output {
        let (n, frames, classes) = (problem.batch, problem.frames, problem.classes)
        var nll = [Double](repeating: 0, count: n)
        var infinite = [Bool](repeating: false, count: n)
        var rows = [Bool](repeating: false, count: frames * n)
        var grad = [Scalar](repeating: 0, count: job.computeGradient ? lp.count : 0)
        var gradStats = [(sumSquares: Double, maxAbs: Double)](repeating: (0, 0), count: n)
        let alignment = CTCAlignment(logProbs: lp, batch: n, classes: classes, blank: problem.blank)
        let queue = ChunkQueue(count: n)
        let work = frames * n * (classes + 4 * problem.longestTarget + 2)
        nll.withUnsafeMutableBufferPointer { nll in
            infinite.withUnsafeMutableBufferPointer { infinite in
                rows.withUnsafeMutableBufferPointer { rows in
                    grad.withUnsafeMutableBufferPointer { grad in
                    gradStats.withUnsafeMutableBufferPointer { gradStats in
                        ParallelRows.run(parts: ParallelRows.parts(rows: n, work: work, maxThreads: job.maxThreads)) { _ in
                            var scratch = CTCAlignment<Scalar>.Scratch()
                            while let b = queue.next() {
                                let target = problem.target(b), length = problem.inputLengths[b]
                                let loss = alignment.negativeLogLikelihood(b, target: target, frames: length, &scratch)
                                infinite[b] = loss == .infinity
                                let zeroed = loss == .infinity && zeroInfeasible
                                nll[b] = zeroed ? 0 : loss
                                if job.computeGradient && !zeroed {
                                    gradStats[b] = alignment.gradient(
                                        b, target: target, frames: length, nll: loss, upstream: upstream(b), &scratch,
                                        into: grad, notNormalized: rows)
                                } else {
                                    alignment.checkNormalization(b, frames: length, notNormalized: rows)
                                }
                            }
                        }
                    }
                    }
                }
            }
        }
        var sumSquares = 0.0, maxAbs = 0.0
        for s in gradStats {
            sumSquares += s.sumSquares
            maxAbs = Swift.max(maxAbs, s.maxAbs)
        }
        return Output(nll: nll, infinite: infinite, notNormalized: rows, grad: job.computeGradient ? tensor(grad) : nil,
                      gradSumSquares: sumSquares, gradMaxAbs: maxAbs)
    }
}
