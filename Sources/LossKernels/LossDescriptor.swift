/// Everything lossd knows about one loss, declared once in the loss's own file: its named
/// tensors, its options with defaults and domains, its reductions and its compute function.
/// Routes, option decoding, the catalogue, safetensors and OIP v2 names, openapi.yaml's enums
/// and error pointers all read it.
public struct LossDescriptor: Sendable {
    /// The loss's wire name.
    public let name: LossName
    /// One sentence on what the loss computes.
    public let summary: String
    /// The tensors a job of this loss carries (besides `grad_output`, which every loss takes),
    /// in wire order; the first differentiable one is the one whose gradient is called `grad`.
    public let tensors: [TensorSpec]
    /// Every option the loss reads, `reduction`, `compat` and `dtype` included.
    public let options: [LossOption]
    /// The reductions the loss accepts.
    public let reductions: [Reduction]
    /// The kernel: validated job in, result out. Gradient storage is offered to float32 jobs
    /// whose first differentiable tensor is float32 (the kernel may ignore it and return `grad`).
    let compute: @Sendable (LossJob, UnsafeMutableBufferPointer<Float>?) throws(LossError) -> Computed

    init(
        name: LossName, summary: String, tensors: [TensorSpec], options: [LossOption] = [],
        reductions: [Reduction] = [.none, .mean, .sum],
        compute: @escaping @Sendable (LossJob, UnsafeMutableBufferPointer<Float>?) throws(LossError) -> Computed
    ) {
        self.name = name
        self.summary = summary
        self.tensors = tensors
        self.options = LossOption.common(reductions: reductions) + options
        self.reductions = reductions
        self.compute = compute
    }

    /// The tensor called `name`, if the loss takes one.
    public func tensor(_ name: String) -> TensorSpec? { tensors.first { $0.name == name } }

    /// The option called `name`, if the loss has one.
    public func option(_ name: String) -> LossOption? { options.first { $0.name == name } }

    /// The tensors the loss differentiates, in wire order.
    public var differentiable: [TensorSpec] { tensors.filter(\.differentiable) }

    /// The wire name of the gradient of `tensor`: `grad` for the first differentiable tensor,
    /// `grad_<name>` for the others.
    public func gradientName(of tensor: String) -> String {
        differentiable.first?.name == tensor ? "grad" : "grad_" + tensor
    }
}

/// One named tensor of a loss.
public struct TensorSpec: Sendable, Equatable {
    /// What the tensor holds, which decides how the API converts it.
    public enum Role: String, Sendable, CaseIterable {
        /// Floating-point values, converted to the job's dtype.
        case floating
        /// Class indices, int64 (whole floats are accepted and converted).
        case classIndices = "class_indices"
        /// Class indices, or class probabilities of the input's shape (cross_entropy's target).
        case classIndicesOrProbabilities = "class_indices_or_probabilities"
        /// Sequence lengths, int64 (ctc_loss).
        case lengths
    }

    /// The values every element must take beyond its role (the kernel refuses others with an
    /// INVALID_TENSOR); openapi.yaml's tensor schemas state them.
    public enum Values: String, Sendable, CaseIterable {
        /// Any value of the role (non-finite ones included).
        case any
        /// 1 or -1 (sign targets).
        case signs
        /// Within [0, 1] (probabilities).
        case unitInterval = "unit_interval"
        /// Not negative: >= 0, +inf or NaN (counts, variances).
        case nonNegative = "non_negative"
    }

    /// Wire name: torch's argument name (`input`, `target`, `var`, `log_probs`, ...).
    public let name: String
    public let role: Role
    /// The values its elements may take.
    public let values: Values
    /// Whether a job must carry it.
    public let required: Bool
    /// Whether the loss returns its gradient.
    public let differentiable: Bool
    /// One sentence.
    public let description: String

    public init(
        _ name: String, _ role: Role, required: Bool = true, differentiable: Bool = false, values: Values = .any,
        _ description: String
    ) {
        self.name = name
        self.role = role
        self.values = values
        self.required = required
        self.differentiable = differentiable
        self.description = description
    }
}

extension Loss {
    /// Every loss, in the order `GET /v1/losses` lists them. Adding a loss: its kernel file
    /// declares its `LossName` and `LossDescriptor`; its descriptor goes here.
    public static let catalogue: [LossDescriptor] = [
        .crossEntropy, .nllLoss, .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .klDiv, .mseLoss, .l1Loss,
        .smoothL1Loss, .huberLoss, .sigmoidFocalLoss,
        .hingeEmbeddingLoss, .softMarginLoss, .multilabelSoftMarginLoss, .multilabelMarginLoss, .multiMarginLoss,
        .cosineEmbeddingLoss, .tripletMarginLoss, .tripletMarginWithDistanceLoss,
        .ctcLoss, .poissonNLLLoss, .gaussianNLLLoss, .marginRankingLoss, .linearCrossEntropy,
    ]

    /// The descriptor of `name`.
    public static func descriptor(_ name: LossName) -> LossDescriptor {
        guard let descriptor = catalogue.first(where: { $0.name == name }) else {
            preconditionFailure("\(name) is declared but not in Loss.catalogue")
        }
        return descriptor
    }
}
