import LossKernels

/// Forward+backward throughput of the margin and embedding losses on 4096 rows of 128 values
/// (float32, reduction mean, default options): elements = rows x 128 (the first tensor's size),
/// the same count bench_torch.py divides by for PyTorch on the same shapes.
func marginLossBenchmark() {
    let rows = 4096, width = 128, count = rows * width
    var rng = SplitMix(state: 0xB0B)
    func uniform(_ range: ClosedRange<Float> = -4...4) -> Tensor {
        Tensor(shape: [rows, width], float32: (0..<count).map { _ in Float.random(in: range, using: &rng) })
    }
    func signs(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, float32: (0..<shape.reduce(1, *)).map { _ in Bool.random(using: &rng) ? 1 : -1 })
    }
    // multilabel_margin_loss: 4 target classes per row, then -1.
    let labelLists = Tensor(shape: [rows, width], int64: (0..<rows).flatMap { _ -> [Int64] in
        Array((0..<Int64(width)).shuffled(using: &rng).prefix(4)) + [-1] + [Int64](repeating: 0, count: width - 5)
    })
    var triplet: [String: Tensor] { ["anchor": uniform(), "positive": uniform(), "negative": uniform()] }
    var cosineDistance = LossOptions()
    try! cosineDistance.set("distance", to: .string("cosine"), for: .tripletMarginWithDistanceLoss)
    let jobs: [(String, LossJob)] = [
        ("hinge_embedding_loss", LossJob(name: .hingeEmbeddingLoss, input: uniform(), target: signs([rows, width]))),
        ("soft_margin_loss", LossJob(name: .softMarginLoss, input: uniform(), target: signs([rows, width]))),
        ("multilabel_soft_margin_loss", LossJob(name: .multilabelSoftMarginLoss, input: uniform(),
                                                target: Tensor(shape: [rows, width], float32: signs([count]).doubles.map { $0 > 0 ? 1 : 0 }))),
        ("multilabel_margin_loss", LossJob(name: .multilabelMarginLoss, input: uniform(), target: labelLists)),
        ("multi_margin_loss", LossJob(name: .multiMarginLoss, input: uniform(),
                                      target: Tensor(shape: [rows], int64: (0..<rows).map { _ in Int64.random(in: 0..<Int64(width), using: &rng) }))),
        ("cosine_embedding_loss", LossJob(name: .cosineEmbeddingLoss,
                                          tensors: ["input1": uniform(), "input2": uniform(), "target": signs([rows])])),
        ("triplet_margin_loss", LossJob(name: .tripletMarginLoss, tensors: triplet)),
        ("triplet_margin_with_distance_loss pairwise", LossJob(name: .tripletMarginWithDistanceLoss, tensors: triplet)),
        ("triplet_margin_with_distance_loss cosine", LossJob(name: .tripletMarginWithDistanceLoss, tensors: triplet,
                                                             options: cosineDistance)),
    ]
    print("margin and embedding losses fwd+bwd, float32, mean, \(rows)x\(width); G el/s = 1e9 elements of the first tensor per second")
    var sink = 0.0
    for (name, job) in jobs {
        let t = best(max(3, min(200, 300_000_000 / count))) { sink += try! Loss.compute(job).value.doubles[0] }
        print("  \(name.padding(43)) \(fixed(Double(count) / t / 1e9, 3)) G el/s (\(fixed(t * 1e3, 2)) ms)")
    }
    if sink == 42 { print("") }
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
