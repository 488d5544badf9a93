import LossKernels
import TensorCodecs

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

    /// The outputs named in `names` (a JSON array's strings or a query's comma-separated list);
    /// `pointer` locates the list, an unknown name is reported at its index.
    ///
    /// - Throws: `Problem` MALFORMED_REQUEST.
    static func parse(_ names: [String], pointer: String) throws(Problem) -> JobOutputs {
        var outputs: JobOutputs = []
        for (i, name) in names.enumerated() {
            guard let output = JobOutputs(name: name) else {
                throw Problem(
                    .malformedRequest, "Unknown output \"\(name)\"; outputs are value, grad, diagnostics.",
                    pointer: JSONPointer.appending(pointer, index: i))
            }
            outputs.insert(output)
        }
        return outputs
    }

    /// The outputs of a query string's `outputs=value,grad` (all when absent).
    static func parse(query: [(name: String, value: String)]) throws(Problem) -> JobOutputs {
        guard let list = query.first(where: { $0.name == "outputs" })?.value else { return .all }
        return try parse(list.split(separator: ",").map(String.init), pointer: "/outputs")
    }
}

/// A job ready for the kernels, plus what the API needs to answer it: where each tensor came
/// from (to point at elements and to write the answer in the same form) and the outputs asked.
struct DecodedJob: Sendable {
    var job: LossJob
    /// Sources by tensor wire name (the loss's tensors and `grad_output`).
    var sources: [String: TensorSource]
    var outputs: JobOutputs
    /// Where the job's tensors sit (`""`, `/jobs/2`, `/inputs`), for errors about a missing one.
    var base: String
    /// Where the options sit (`/options`, `/jobs/2/options`, `/parameters`), for option errors.
    var optionsPointer: String

    var descriptor: LossDescriptor { Loss.descriptor(job.name) }

    /// How the tensor called `name` was sent: its gradient comes back that way.
    func layout(of name: String) -> TensorSource.Layout { sources[name]?.layout ?? .nested }

    /// How the first differentiable tensor was sent: the value (reduction none) comes back that way.
    var inputLayout: TensorSource.Layout { layout(of: descriptor.differentiable.first?.name ?? "input") }

    /// The gradients of `result` with their wire names (`grad`, `grad_var`, ...), in order.
    func wireGradients(_ result: LossResult) -> [(name: String, tensor: Tensor, layout: TensorSource.Layout)] {
        result.gradients.map { (descriptor.gradientName(of: $0.name), $0.tensor, layout(of: $0.name)) }
    }
}

/// Builds a `DecodedJob` from tensors and options, whatever the body format was.
enum JobAssembler {
    /// The upstream gradient every loss accepts beside its own tensors.
    static let gradOutput = "grad_output"

    /// Every tensor name of any loss: decoders read these and leave it to `assemble` to refuse
    /// one the job's loss does not take (INVALID_TENSOR rather than an unknown member).
    static let knownTensorNames = Set(Loss.catalogue.flatMap { $0.tensors.map(\.name) } + [gradOutput])

    /// The tensor names a job of `loss` may carry, in wire order.
    static func tensorNames(_ loss: LossName) -> [String] {
        Loss.descriptor(loss).tensors.map(\.name) + [gradOutput]
    }

    /// Checks the tensors against the loss's descriptor, chooses the dtype (the `dtype` option,
    /// else float64 when the first differentiable tensor was declared float64, else float32) and
    /// converts every tensor by its role: floating tensors and grad_output to the dtype; class
    /// indices and lengths to int64; a target that may be either (cross_entropy) to class indices
    /// when the client sent integers in a shape other than the input's, else to the dtype.
    ///
    /// - Parameters:
    ///   - base: the pointer under which a missing tensor is reported (`""`, `/jobs/2`).
    ///   - optionsPointer: where the options sit, for option errors the kernels report.
    /// - Throws: `Problem` MALFORMED_REQUEST (a missing tensor), INVALID_TENSOR (a tensor the loss
    ///   does not take, or of the wrong type).
    static func assemble(
        loss: LossName, tensors: [String: WireTensor], options: OptionDecoding, outputs: JobOutputs, base: String,
        optionsPointer: String
    ) throws(Problem) -> DecodedJob {
        let descriptor = Loss.descriptor(loss)
        for (name, tensor) in tensors where name != gradOutput && descriptor.tensor(name) == nil {
            throw Problem(
                .invalidTensor,
                "\(loss) takes no \(name) tensor; its tensors are " + tensorNames(loss).joined(separator: ", ") + ".",
                pointer: tensor.source.pointer)
        }
        for spec in descriptor.tensors where spec.required && tensors[spec.name] == nil {
            throw Problem(
                .malformedRequest, "The job needs the tensor \(spec.name) (\(spec.description)).",
                pointer: JSONPointer.appending(base, key: spec.name))
        }
        // Differentiable tensors and grad_output must be sent as floats; other floating tensors
        // (regression targets, weights) may arrive as integers and are converted.
        for (name, tensor) in tensors {
            let mustFloat = descriptor.tensor(name).map(\.differentiable) ?? true
            if mustFloat, let declared = tensor.declared, !declared.isFloatingPoint {
                throw Problem(
                    .invalidTensor, "\(name) must be floating point, not \(declared.rawValue).", pointer: tensor.source.pointer)
            }
        }
        var jobOptions = options.options
        let primary = descriptor.differentiable.first.flatMap { tensors[$0.name] }
        if !options.dtypeGiven, primary?.declared == .float64 { jobOptions.dtype = .float64 }
        let dtype = jobOptions.dtype
        var converted: [String: Tensor] = [:]
        for spec in descriptor.tensors {
            guard let tensor = tensors[spec.name] else { continue }
            switch spec.role {
            case .floating:
                converted[spec.name] = tensor.floatingPoint(dtype)
            case .classIndices, .lengths:
                converted[spec.name] = try tensor.classIndices()
            case .classIndicesOrProbabilities:
                converted[spec.name] = tensor.looksLikeIntegers && tensor.shape != primary?.shape
                    ? try tensor.classIndices() : tensor.floatingPoint(dtype)
            }
        }
        let job = LossJob(
            name: loss, tensors: converted, gradOutput: tensors[gradOutput]?.floatingPoint(dtype), options: jobOptions,
            computeGradient: outputs.contains(.grad))
        return DecodedJob(
            job: job, sources: tensors.mapValues(\.source), outputs: outputs, base: base, optionsPointer: optionsPointer)
    }
}
