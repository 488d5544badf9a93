/// One loss computation: tensors by wire name, options and whether gradients are wanted.
public struct LossJob: Sendable {
    /// Which loss.
    public var name: LossName
    /// The loss's tensors by their wire names (its descriptor's `tensors`): floating tensors in
    /// float32 or float64, class indices and lengths in int64 (or floats holding integers).
    public var tensors: [String: Tensor]
    /// Upstream gradient: nil means 1; shape [] (a scalar) or the value's shape.
    public var gradOutput: Tensor?
    /// Options (see `LossOptions`).
    public var options: LossOptions
    /// Whether to compute the gradients of the differentiable tensors.
    public var computeGradient: Bool
    /// Most threads the job may use. Large float32 cross-entropy batches are split across two
    /// (the calling thread and one more); 1 keeps every job on the calling thread, which is what
    /// a server already running several jobs at once wants.
    public var maxThreads: Int = 2

    public init(
        name: LossName, tensors: [String: Tensor], gradOutput: Tensor? = nil, options: LossOptions = LossOptions(),
        computeGradient: Bool = true
    ) {
        self.name = name
        self.tensors = tensors
        self.gradOutput = gradOutput
        self.options = options
        self.computeGradient = computeGradient
    }

    /// A job of a loss whose tensors are `input`, `target` and optionally `weight` / `pos_weight`.
    public init(
        name: LossName, input: Tensor, target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
        gradOutput: Tensor? = nil, options: LossOptions = LossOptions(), computeGradient: Bool = true
    ) {
        var tensors = ["input": input, "target": target]
        tensors["weight"] = weight
        tensors["pos_weight"] = posWeight
        self.init(name: name, tensors: tensors, gradOutput: gradOutput, options: options, computeGradient: computeGradient)
    }

    /// The tensor called `input`: present in every job of a loss that requires it (checked by
    /// `Loss.compute` before the kernel runs).
    public var input: Tensor {
        get { tensor("input") }
        set { tensors["input"] = newValue }
    }

    /// The tensor called `target` (see `input`).
    public var target: Tensor { tensor("target") }

    /// The optional tensor called `weight`.
    public var weight: Tensor? { tensors["weight"] }

    /// The optional tensor called `pos_weight`.
    public var posWeight: Tensor? { tensors["pos_weight"] }

    /// A required tensor; `Loss.compute` has checked that it is there.
    func tensor(_ name: String) -> Tensor {
        guard let tensor = tensors[name] else { preconditionFailure("\(self.name) job without its required \(name)") }
        return tensor
    }
}

/// A tensor with its wire name.
public struct NamedTensor: Sendable {
    public var name: String
    public var tensor: Tensor

    public init(_ name: String, _ tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// The answer to a job, in the job's dtype.
public struct LossResult: Sendable {
    /// The loss: shape [] when reduced, the per-sample shape for reduction none.
    public var value: Tensor
    /// d(sum of grad_output * value)/d tensor for each differentiable tensor, in the descriptor's
    /// order, by the tensor's wire name; empty when gradients were not requested.
    public var gradients: [NamedTensor]
    /// Counts, statistics, warnings and PyTorch's differing answers.
    public var diagnostics: Diagnostics

    public init(value: Tensor, gradients: [NamedTensor], diagnostics: Diagnostics) {
        self.value = value
        self.gradients = gradients
        self.diagnostics = diagnostics
    }

    /// A result whose only gradient is the one of `input`.
    public init(value: Tensor, grad: Tensor?, diagnostics: Diagnostics) {
        self.init(value: value, gradients: grad.map { [NamedTensor("input", $0)] } ?? [], diagnostics: diagnostics)
    }

    /// The gradient of the first differentiable tensor (the API's `grad`).
    public var grad: Tensor? { gradients.first?.tensor }

    /// The gradient of the tensor called `name`.
    public func gradient(_ name: String) -> Tensor? { gradients.first { $0.name == name }?.tensor }
}
