/// A ctc_loss job's sizes, lengths and targets, checked as PyTorch checks them (and more: a
/// target equal to blank or outside [0, C) is an error naming the element, where PyTorch's CPU
/// kernel reads whatever it points at).
struct CTCProblem {
    /// Whether log_probs is (T, N, C) rather than unbatched (T, C).
    let batched: Bool
    /// T, N (1 when unbatched) and C.
    let frames: Int
    let batch: Int
    let classes: Int
    let blank: Int
    let inputLengths: [Int]
    let targetLengths: [Int]
    /// The targets, flat, and where each sample's starts.
    private let targets: [Int]
    private let offsets: [Int]
    /// The longest target length.
    let longestTarget: Int

    init(_ job: LossJob) throws(LossError) {
        let shape = job.tensor("log_probs").shape
        guard shape.count == 3 || shape.count == 2 else {
            throw LossError(kind: .shapeMismatch, field: "log_probs",
                            detail: "log_probs must be (T, N, C) or unbatched (T, C), got \(shape)")
        }
        batched = shape.count == 3
        frames = shape[0]
        batch = batched ? shape[1] : 1
        classes = shape[shape.count - 1]
        let blank = job.options.integer(.blank)
        guard blank < Int64(classes) else {
            throw LossError(kind: .invalidOption, option: "blank", detail: "blank must be in [0, \(classes)), got \(blank)")
        }
        self.blank = Int(blank)
        inputLengths = try Self.lengths(job, "input_lengths", count: batch, atMost: frames, what: "T")
        let targetTensor = job.tensor("targets")
        let raw = try Validation.classIndices(targetTensor, "targets")
        let padded = targetTensor.shape.count == 2
        guard padded ? targetTensor.shape[0] == batch : targetTensor.shape.count == 1 else {
            throw LossError(kind: .shapeMismatch, field: "targets",
                            detail: "targets must be padded (\(batch), S) or concatenated 1-D, got \(targetTensor.shape)")
        }
        let width = padded ? targetTensor.shape[1] : Int.max
        targetLengths = try Self.lengths(job, "target_lengths", count: batch, atMost: width, what: "the padded width S")
        longestTarget = targetLengths.max() ?? 0
        var offsets = [Int](repeating: 0, count: batch)
        var next = 0
        for b in 0..<batch {
            offsets[b] = padded ? b * width : next
            next += targetLengths[b]
        }
        if !padded && next != raw.count {
            throw LossError(kind: .shapeMismatch, field: "targets",
                            detail: "concatenated targets must hold sum(target_lengths) = \(next) elements, got \(raw.count)")
        }
        var targets = [Int](repeating: 0, count: raw.count)
        for b in 0..<batch {
            for i in offsets[b]..<(offsets[b] + targetLengths[b]) {
                let t = raw[i]
                guard t >= 0 && t < Int64(classes) && t != blank else {
                    throw .element(.targetOutOfRange, "targets", flat: i, shape: targetTensor.shape,
                                   "target \(t) of sample \(b) must be a class in [0, \(classes)) other than blank \(blank)")
                }
                targets[i] = Int(t)
            }
        }
        self.targets = targets
        self.offsets = offsets
    }

    /// Sample `b`'s target labels.
    func target(_ b: Int) -> ArraySlice<Int> { targets[offsets[b]..<(offsets[b] + targetLengths[b])] }

    /// One length per sample, each in [0, `limit`].
    private static func lengths(_ job: LossJob, _ field: String, count: Int, atMost limit: Int, what: String)
        throws(LossError) -> [Int]
    {
        let t = job.tensor(field)
        let values = try Validation.classIndices(t, field)
        guard t.shape.count <= 1, values.count == count else {
            throw LossError(kind: .shapeMismatch, field: field,
                            detail: "\(field) must hold one length per sample (\(count)), got shape \(t.shape)")
        }
        for i in values.indices where values[i] < 0 || values[i] > Int64(limit) {
            throw .element(.invalidTensor, field, flat: i, shape: t.shape,
                           "\(field) must be in [0, \(what) = \(limit)], got \(values[i])")
        }
        return values.map { Int($0) }
    }
}
