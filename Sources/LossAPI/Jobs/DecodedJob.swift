import LossKernels

/// Which parts of a result the client asked for (`"outputs"`; default all three).
struct JobOutputs: OptionSet, Sendable {
    let rawValue: Int
    static let value = JobOutputs(rawValue: 1)
    static let grad = JobOutputs(rawValue: 2)
    static let diagnostics = JobOutputs(rawValue: 4)
    static let all: JobOutputs = [.value, .grad, .diagnostics]

    /// The output named `name` on the wire, or `nil`.
    init?(name: String) {
        switch name {
        case "value": self = .value
        case "grad": self = .grad
        case "diagnostics": self = .diagnostics
        default: return nil
        }
    }

    init(rawValue: Int) {
        self.rawValue = rawValue
    }
}

/// A job ready for the kernels, plus what the API needs to answer it: where each tensor came
/// from (to point at elements and to write the answer in the same form) and the outputs asked.
struct DecodedJob: Sendable {
    var job: LossJob
    /// Sources by job field name: `input`, `target`, `weight`, `pos_weight`, `grad_output`.
    var sources: [String: TensorSource]
    var outputs: JobOutputs
    /// Where the options sit (`/options`, `/jobs/2/options`, `/parameters`), for option errors.
    var optionsPointer: String

    /// How the input was sent: the value (reduction none) and the gradient come back that way.
    var inputLayout: TensorSource.Layout { sources["input"]?.layout ?? .nested }
}

/// Builds a `DecodedJob` from tensors and options, whatever the body format was.
enum JobAssembler {
    /// The tensor names a job may carry.
    static let tensorNames = ["input", "target", "weight", "pos_weight", "grad_output"]

    /// Checks which tensors the loss takes, chooses the dtype (the `dtype` option, else float64
    /// when the input was declared float64, else float32) and converts every tensor: the input,
    /// weights and grad_output to the dtype; the target to int64 class indices when the loss
    /// takes them and the client sent integers (for cross_entropy, unless the target has the
    /// input's shape: class probabilities), else to the dtype.
    ///
    /// - Parameters:
    ///   - base: the pointer under which a missing tensor is reported (`""`, `/jobs/2`).
    ///   - optionsPointer: where the options sit, for option errors the kernels report.
    /// - Throws: `Problem` MALFORMED_REQUEST (missing tensor), INVALID_TENSOR.
    static func assemble(
        loss: LossName, tensors: [String: WireTensor], options: OptionDecoding, outputs: JobOutputs, base: String,
        optionsPointer: String
    ) throws(Problem) -> DecodedJob {
        let descriptor = Loss.descriptor(loss)
        guard let input = tensors["input"] else {
            throw Problem(.malformedRequest, "The job needs an input tensor.", pointer: JSONPointer.appending(base, key: "input"))
        }
        guard let target = tensors["target"] else {
            throw Problem(.malformedRequest, "The job needs a target tensor.", pointer: JSONPointer.appending(base, key: "target"))
        }
        if let weight = tensors["weight"], !descriptor.acceptsWeight {
            throw Problem(.invalidTensor, "\(loss.rawValue) takes no weight tensor.", pointer: weight.source.pointer)
        }
        if let posWeight = tensors["pos_weight"], !descriptor.acceptsPosWeight {
            throw Problem(.invalidTensor, "\(loss.rawValue) takes no pos_weight tensor.", pointer: posWeight.source.pointer)
        }
        for (name, tensor) in tensors where name != "target" {
            if let declared = tensor.declared, !declared.isFloatingPoint {
                throw Problem(
                    .invalidTensor, "\(name) must be floating point, not \(declared.rawValue).", pointer: tensor.source.pointer)
            }
        }
        var jobOptions = options.options
        if !options.dtypeGiven, input.declared == .float64 { jobOptions.dtype = .float64 }
        let dtype = jobOptions.dtype

        let takesIndices = descriptor.targetKinds.contains("class_indices")
        let takesFloats = descriptor.targetKinds.contains { $0 != "class_indices" }
        let targetTensor: Tensor
        if takesIndices && (!takesFloats || (target.looksLikeIntegers && target.shape != input.shape)) {
            targetTensor = try target.classIndices()
        } else {
            targetTensor = target.floatingPoint(dtype)
        }
        let job = LossJob(
            name: loss,
            input: input.floatingPoint(dtype),
            target: targetTensor,
            weight: tensors["weight"]?.floatingPoint(dtype),
            posWeight: tensors["pos_weight"]?.floatingPoint(dtype),
            gradOutput: tensors["grad_output"]?.floatingPoint(dtype),
            options: jobOptions,
            computeGradient: outputs.contains(.grad))
        return DecodedJob(
            job: job, sources: tensors.mapValues(\.source), outputs: outputs, optionsPointer: optionsPointer)
    }
}
