/// margin_ranking_loss (PyTorch's composite `(-y * (x1 - x2) + margin).clamp_min(0)`).
///
/// ```
/// l = max(0, -y (x1 - x2) + margin)
/// dl/dx1 = -y, dl/dx2 = y  where -y (x1 - x2) + margin > 0, else 0 (PyTorch's gradient is 0
///          at the kink too: margin 0 with x1 = x2 has none)
/// ```
/// The target holds +1 or -1 (anything else is an error naming the element) and broadcasts to
/// the inputs, which share one shape; all three have one rank, as PyTorch requires.
extension LossName {
    /// `torch.nn.functional.margin_ranking_loss`.
    public static let marginRankingLoss = LossName(declaring: "margin_ranking_loss")
}

extension LossOption {
    /// margin_ranking_loss's `margin` (default 0).
    public static let rankingMargin = LossOption("margin", default: .double(0), .real(.all), "required score gap")
}

extension LossDescriptor {
    static let marginRankingLoss = LossDescriptor(
        name: .marginRankingLoss, summary: "hinge on the score gap: max(0, -target * (input1 - input2) + margin)",
        tensors: [
            TensorSpec("input1", .floating, differentiable: true, "first scores"),
            TensorSpec("input2", .floating, differentiable: true, "second scores of input1's shape"),
            TensorSpec("target", .floating, values: .signs, "+1 (input1 should rank higher) or -1, broadcastable to input1"),
        ],
        options: [.rankingMargin]
    ) { job, _ throws(LossError) in try Loss.marginRanking(job) }
}

extension Loss {
    static func marginRanking(_ job: LossJob) throws(LossError) -> Computed {
        let a = job.tensor("input1"), b = job.tensor("input2"), t = job.tensor("target")
        guard b.shape == a.shape else {
            throw LossError(kind: .shapeMismatch, field: "input2",
                            detail: "input2 size \(b.shape) must be the same as input1 size \(a.shape)")
        }
        guard t.shape.count == a.shape.count else {
            throw LossError(kind: .shapeMismatch, field: "target",
                            detail: "all tensors should have the same dimension: input1 \(a.shape), target \(t.shape)")
        }
        let operands = [
            try PointwiseLoss.operand(a, "input1", broadcastTo: a.shape),
            try PointwiseLoss.operand(b, "input2", broadcastTo: a.shape),
            try PointwiseLoss.operand(t, "target", floating: false, broadcastTo: a.shape),
        ]
        if let (i, y) = try Validation.firstNonSign(t) {
            throw .element(.invalidTensor, "target", flat: i, shape: t.shape,
                           "margin_ranking_loss targets must be 1 or -1, got \(y)")
        }
        let margin = job.options.real(.rankingMargin)
        let loss = PointwiseLoss(shape: a.shape, operands: operands,
                                 gradients: [.init(name: "input1", operand: 0), .init(name: "input2", operand: 1)])
        let marginLanes = FloatLanes(repeating: Float(margin))
        return try loss.run(job, lanes: { x1, x2, y in
            let z = -y * (x1 - x2) + marginLanes
            let positive = z .> 0
            var (l, d) = (FloatLanes(), FloatLanes())
            l.replace(with: z, where: positive .| (z .!= z))
            d.replace(with: -y, where: positive)
            return (l, d, -d)
        }) { x1, x2, y in
            let z = -y * (x1 - x2) + margin
            let d = z > 0 ? -y : 0
            return (z.isNaN ? .nan : Swift.max(z, 0), d, -d)
        }
    }
}
