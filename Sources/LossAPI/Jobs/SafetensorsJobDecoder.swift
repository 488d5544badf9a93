import LossKernels
import TensorCodecs

/// Reads a job from a safetensors body (API.md "Binary: safetensors"): tensors named as the
/// loss's descriptor names them, plus grad_output; options from the query string.
enum SafetensorsJobDecoder {
    /// The job in `body`.
    ///
    /// - Throws: `Problem` MALFORMED_REQUEST (an invalid file, pointing at the tensor named in
    ///   the error; an unknown tensor), INVALID_TENSOR, INVALID_OPTION.
    static func decode(_ body: [UInt8], loss: LossName, query: [(name: String, value: String)]) throws(Problem) -> DecodedJob {
        let file: SafetensorsFile
        do {
            file = try SafetensorsReader.read(body)
        } catch {
            throw Problem(
                .malformedRequest, "Invalid safetensors body: \(error.description).",
                pointer: error.tensor.map { JSONPointer.appending("", key: $0) } ?? "")
        }
        var options = OptionDecoding(loss: loss)
        try options.set(query: query)
        let outputs = try JobOutputs.parse(query: query)
        let tensorNames = JobAssembler.tensorNames(loss)
        var tensors: [String: WireTensor] = [:]
        for tensor in file.tensors {
            let pointer = JSONPointer.appending("", key: tensor.name)
            guard JobAssembler.knownTensorNames.contains(tensor.name) else {
                throw Problem(
                    .malformedRequest,
                    "Unknown tensor \"\(tensor.name)\"; a \(loss) job has " + tensorNames.joined(separator: ", ") + ".",
                    pointer: pointer)
            }
            tensors[tensor.name] = try WireTensor.binary(tensor, source: TensorSource(pointer: pointer, layout: .flat))
        }
        return try JobAssembler.assemble(
            loss: loss, tensors: tensors, options: options, outputs: outputs, base: "", optionsPointer: "/options")
    }
}
