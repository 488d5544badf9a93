import Glibc
import LossKernels

/// Forward+backward of every loss of the catalogue on a 4096-row case (reduction mean, default
/// options; kl_div batchmean), through `Loss.compute`, in float32 or float64. bench_torch.py
/// `table` times PyTorch on the same cases; scripts/bench-kernels.sh joins the two by name.
/// Elements are those of the first differentiable tensor (log_probs for ctc_loss). Each case
/// prints one tab-separated line: `TABLE name shape elements seconds cpu-seconds` (best of N wall
/// times; least CPU time of the process, both threads, over the same calls). `names`, when
/// not empty, keeps the cases whose name starts with one of them.
func lossTable(float64: Bool, threads: Int, only names: [String]) {
    let rows = 4096, wide = 1024, narrow = 128
    var rng = SplitMix(state: 0x7AB1E)
    func uniform(_ count: Int, _ range: ClosedRange<Float>) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &rng) }
    }
    func matrix(_ columns: Int, _ range: ClosedRange<Float> = -4...4) -> Tensor {
        Tensor(shape: [rows, columns], float32: uniform(rows * columns, range))
    }
    func signs(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, float32: (0..<shape.reduce(1, *)).map { _ in Bool.random(using: &rng) ? 1 : -1 })
    }
    func classes(_ columns: Int) -> Tensor {
        Tensor(shape: [rows], int64: (0..<rows).map { _ in Int64.random(in: 0..<Int64(columns), using: &rng) })
    }
    /// Rows of log-probabilities (log_softmax of uniform scores).
    func logSoftmax(_ x: [Float], _ width: Int) -> [Float] {
        var x = x
        for start in stride(from: 0, to: x.count, by: width) {
            var m = -Float.infinity
            for c in 0..<width { m = max(m, x[start + c]) }
            var s: Float = 0
            for c in 0..<width { s += expf(x[start + c] - m) }
            for c in 0..<width { x[start + c] -= m + logf(s) }
        }
        return x
    }
    func options(_ loss: LossName, _ pairs: [(String, OptionValue)] = []) -> LossOptions {
        var o = LossOptions()
        for (name, value) in pairs { try! o.set(name, to: value, for: loss) }
        return o
    }
    let n = rows * wide
    let (frames, ctcClasses, width) = (50, 32, 10)
    let labelLists = Tensor(shape: [rows, narrow], int64: (0..<rows).flatMap { _ -> [Int64] in
        Array((0..<Int64(narrow)).shuffled(using: &rng).prefix(4)) + [-1] + [Int64](repeating: 0, count: narrow - 5)
    })
    let probabilities = Tensor(shape: [rows, wide], float32: uniform(n, 0.01...0.99))
    let labels = Tensor(shape: [rows, wide], float32: uniform(n, 0...1).map { $0.rounded() })
    var triplet: [String: Tensor] { ["anchor": matrix(narrow), "positive": matrix(narrow), "negative": matrix(narrow)] }
    let cases: [(String, String, LossJob)] = [
        ("cross_entropy", "4096x1024", LossJob(name: .crossEntropy, input: matrix(wide), target: classes(wide))),
        ("nll_loss", "4096x1024", LossJob(name: .nllLoss, input: Tensor(shape: [rows, wide], float32: logSoftmax(
            uniform(n, -4...4), wide)), target: classes(wide))),
        ("binary_cross_entropy", "4096x1024", LossJob(name: .binaryCrossEntropy, input: probabilities, target: labels)),
        ("binary_cross_entropy_with_logits", "4096x1024",
         LossJob(name: .binaryCrossEntropyWithLogits, input: matrix(wide), target: labels)),
        ("kl_div", "4096x1024", LossJob(name: .klDiv, input: Tensor(shape: [rows, wide], float32: logSoftmax(
            uniform(n, -4...4), wide)), target: Tensor(shape: [rows, wide], float32: logSoftmax(uniform(n, -4...4), wide)
                .map { expf($0) }), options: options(.klDiv, [("reduction", .string("batchmean"))]))),
        ("mse_loss", "4096x1024", LossJob(name: .mseLoss, input: matrix(wide), target: matrix(wide))),
        ("l1_loss", "4096x1024", LossJob(name: .l1Loss, input: matrix(wide), target: matrix(wide))),
        ("smooth_l1_loss", "4096x1024", LossJob(name: .smoothL1Loss, input: matrix(wide), target: matrix(wide))),
        ("huber_loss", "4096x1024", LossJob(name: .huberLoss, input: matrix(wide), target: matrix(wide))),
        ("sigmoid_focal_loss", "4096x1024", LossJob(name: .sigmoidFocalLoss, input: matrix(wide), target: labels)),
        ("hinge_embedding_loss", "4096x128", LossJob(name: .hingeEmbeddingLoss, input: matrix(narrow),
                                                     target: signs([rows, narrow]))),
        ("soft_margin_loss", "4096x128", LossJob(name: .softMarginLoss, input: matrix(narrow), target: signs([rows, narrow]))),
        ("multilabel_soft_margin_loss", "4096x128", LossJob(
            name: .multilabelSoftMarginLoss, input: matrix(narrow),
            target: Tensor(shape: [rows, narrow], float32: signs([rows * narrow]).doubles.map { $0 > 0 ? 1 : 0 }))),
        ("multilabel_margin_loss", "4096x128", LossJob(name: .multilabelMarginLoss, input: matrix(narrow), target: labelLists)),
        ("multi_margin_loss", "4096x128", LossJob(name: .multiMarginLoss, input: matrix(narrow), target: classes(narrow))),
        ("cosine_embedding_loss", "4096x128", LossJob(name: .cosineEmbeddingLoss, tensors: [
            "input1": matrix(narrow), "input2": matrix(narrow), "target": signs([rows])])),
        ("triplet_margin_loss", "4096x128", LossJob(name: .tripletMarginLoss, tensors: triplet)),
        ("triplet_margin_with_distance_loss pairwise", "4096x128",
         LossJob(name: .tripletMarginWithDistanceLoss, tensors: triplet)),
        ("triplet_margin_with_distance_loss cosine", "4096x128", LossJob(
            name: .tripletMarginWithDistanceLoss, tensors: triplet,
            options: options(.tripletMarginWithDistanceLoss, [("distance", .string("cosine"))]))),
        ("ctc_loss", "T=50 N=4096 C=32 S=10", LossJob(name: .ctcLoss, tensors: [
            "log_probs": Tensor(shape: [frames, rows, ctcClasses],
                                float32: logSoftmax(uniform(frames * rows * ctcClasses, -4...4), ctcClasses)),
            "targets": Tensor(shape: [rows, width], int64: (0..<(rows * width)).map { _ in
                Int64.random(in: 1..<Int64(ctcClasses), using: &rng) }),
            "input_lengths": Tensor(shape: [rows], int64: Array(repeating: Int64(frames), count: rows)),
            "target_lengths": Tensor(shape: [rows], int64: (0..<rows).map { _ in Int64.random(in: 5...Int64(width), using: &rng) }),
        ])),
        ("poisson_nll_loss", "4096x1024", LossJob(name: .poissonNLLLoss, input: matrix(wide, -2...2),
                                                 target: Tensor(shape: [rows, wide], float32: uniform(n, 0...8).map { $0.rounded() }))),
        ("gaussian_nll_loss", "4096x1024", LossJob(name: .gaussianNLLLoss, tensors: [
            "input": matrix(wide, -2...2), "target": matrix(wide, -2...2), "var": matrix(wide, 0.1...2)])),
        ("margin_ranking_loss", "4096x1024", LossJob(name: .marginRankingLoss, tensors: [
            "input1": matrix(wide, -2...2), "input2": matrix(wide, -2...2), "target": signs([rows, wide])])),
    ]
    var sink = 0.0
    for (name, shape, original) in cases where names.isEmpty || names.contains(where: name.hasPrefix) {
        var job = original
        // Tensors stored in the job's dtype, as a float64 client would send them.
        job.options.dtype = float64 ? .float64 : .float32
        job.maxThreads = threads
        job.tensors = job.tensors.mapValues { $0.converted(to: job.options.dtype) }
        let first = Loss.descriptor(job.name).differentiable.first!.name
        let elements = job.tensors[first]!.count
        let repeats = max(3, min(20, 40_000_000 / elements))
        var cpu = Double.infinity
        let t = best(repeats) {
            let c0 = processTime()
            sink += try! Loss.compute(job).value.doubles[0]
            cpu = min(cpu, processTime() - c0)
        }
        print("TABLE\t\(name)\t\(shape)\t\(elements)\t\(t)\t\(cpu)")
    }
    if sink == 42 { print("") }
}

/// CPU time of the process (every thread), in seconds.
func processTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
