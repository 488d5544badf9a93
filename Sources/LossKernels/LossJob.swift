/// One loss computation: tensors, options and whether the gradient is wanted.
public struct LossJob: Sendable {
    /// Which loss.
    public var name: LossName
    /// Logits / predictions / log-probabilities (float32 or float64).
    public var input: Tensor
    /// Class indices (int64, or float holding integers) or float targets of the input's shape.
    public var target: Tensor
    /// Class weights of shape (C) (cross_entropy, nll_loss), or an element weight broadcastable
    /// to the input (binary_cross_entropy, binary_cross_entropy_with_logits).
    public var weight: Tensor?
    /// binary_cross_entropy_with_logits only: broadcastable to the input.
    public var posWeight: Tensor?
    /// Upstream gradient: nil means 1; shape [] (a scalar) or the value's shape.
    public var gradOutput: Tensor?
    /// Options (see `LossOptions`).
    public var options: LossOptions
    /// Whether to compute the gradient with respect to the input.
    public var computeGradient: Bool
    /// Most threads the job may use. Large float32 cross-entropy batches are split across two
    /// (the calling thread and one more); 1 keeps every job on the calling thread, which is what
    /// a server already running several jobs at once wants.
    public var maxThreads: Int = 2

    public init(
        name: LossName, input: Tensor, target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
        gradOutput: Tensor? = nil, options: LossOptions = LossOptions(), computeGradient: Bool = true
    ) {
        self.name = name
        self.input = input
        self.target = target
        self.weight = weight
        self.posWeight = posWeight
        self.gradOutput = gradOutput
        self.options = options
        self.computeGradient = computeGradient
    }
}

/// The answer to a job, in the job's dtype.
public struct LossResult: Sendable {
    /// The loss: shape [] when reduced, the per-sample shape for reduction none.
    public var value: Tensor
    /// d(sum of grad_output * value)/d input, the input's shape; nil when not requested.
    public var grad: Tensor?
    /// Counts, statistics, warnings and PyTorch's differing answers.
    public var diagnostics: Diagnostics

    public init(value: Tensor, grad: Tensor?, diagnostics: Diagnostics) {
        self.value = value
        self.grad = grad
        self.diagnostics = diagnostics
    }
}
