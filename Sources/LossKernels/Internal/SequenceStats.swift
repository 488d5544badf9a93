import Glibc

/// Per-sequence diagnostics of class-index targets of shape (B, T) (the causal-LM layout,
/// class_dim -1): for each of the B sequences, over its counted tokens (not ignore_index, and
/// not the position `shift` drops), the mean loss, its exp (the perplexity when the loss is the
/// plain NLL: no label_smoothing, z_loss or class weights), and the token accuracy (argmax ==
/// target). NaN for a sequence without counted tokens. One pass over the B x T per-position
/// losses the kernel already has: no extra pass over the logits.
enum SequenceStats {
    static func append(
        to d: inout Diagnostics, positionShape: [Int], targets: [Int], losses: [Double], correctPositions: [Int]
    ) {
        guard positionShape.count == 2, positionShape[1] > 0 else { return }
        let (b, t) = (positionShape[0], positionShape[1])
        var correct = [Int](repeating: 0, count: b)
        for p in correctPositions { correct[p / t] += 1 }
        var meanLoss = [Double](repeating: .nan, count: b), accuracy = meanLoss
        for s in 0..<b {
            var sum = 0.0, counted = 0
            for p in (s * t)..<((s + 1) * t) where targets[p] >= 0 {
                sum += losses[p]
                counted += 1
            }
            guard counted > 0 else { continue }
            meanLoss[s] = sum / Double(counted)
            accuracy[s] = Double(correct[s]) / Double(counted)
        }
        d.stats.append(.init("sequence_loss_mean", .reals(meanLoss)))
        d.stats.append(.init("sequence_perplexity", .reals(meanLoss.map { exp($0) })))
        d.stats.append(.init("sequence_token_accuracy", .reals(accuracy)))
    }
}
