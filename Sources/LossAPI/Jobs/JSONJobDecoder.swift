import LossKernels
import TensorCodecs

/// Reads a job from a parsed JSON object (API.md "A job"): tensors, options, outputs.
enum JSONJobDecoder {
    /// The job in `object`, which sits at `pointer` in the document (`""` for a single job,
    /// `/jobs/3` in a batch).
    ///
    /// - Parameters:
    ///   - query: query-string options (POST /v1/loss/{name}), merged with the body's.
    ///   - allowsLossMember: whether a `"loss"` member is expected (batch jobs, `lossd compute`).
    /// - Throws: `Problem` pointing at the offending member or element.
    static func decode(
        _ object: JSONObject, loss: LossName, pointer: String, query: [(name: String, value: String)] = [],
        allowsLossMember: Bool = false
    ) throws(Problem) -> DecodedJob {
        var tensors: [String: WireTensor] = [:]
        var options = OptionDecoding(loss: loss)
        try options.set(query: query)
        var outputs = try JobOutputs.parse(query: query)
        let tensorNames = JobAssembler.tensorNames(loss)
        for (key, value) in object.members {
            let memberPointer = JSONPointer.appending(pointer, key: key)
            switch key {
            case _ where JobAssembler.knownTensorNames.contains(key):
                tensors[key] = try WireTensor.decode(value, pointer: memberPointer)
            case "options":
                try options.set(object: value, pointer: memberPointer)
            case "outputs":
                outputs = try parseOutputs(value, pointer: memberPointer)
            case "loss" where allowsLossMember:
                continue
            default:
                throw Problem(
                    .malformedRequest,
                    "Unknown member \"\(key)\"; a \(loss) job has "
                        + (tensorNames + ["options", "outputs"] + (allowsLossMember ? ["loss"] : [])).joined(separator: ", ") + ".",
                    pointer: memberPointer)
            }
        }
        return try JobAssembler.assemble(loss: loss, tensors: tensors, options: options, outputs: outputs, base: pointer,
            optionsPointer: JSONPointer.appending(pointer, key: "options"))
    }

    private static func parseOutputs(_ value: JSONValue, pointer: String) throws(Problem) -> JobOutputs {
        guard case .array(let items) = value else {
            if case .numbers(let empty) = value, empty.count == 0 { return [] }
            throw Problem(.malformedRequest, "outputs must be an array of \"value\", \"grad\", \"diagnostics\".", pointer: pointer)
        }
        var names: [String] = []
        for (i, item) in items.enumerated() {
            guard let name = item.stringValue else {
                throw Problem(.malformedRequest, "outputs holds strings.", pointer: JSONPointer.appending(pointer, index: i))
            }
            names.append(name)
        }
        return try JobOutputs.parse(names, pointer: pointer)
    }
}
