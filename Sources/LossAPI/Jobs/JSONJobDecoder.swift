import LossKernels

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
        var outputs = JobOutputs.all
        try options.set(query: query)
        if let names = query.first(where: { $0.name == "outputs" })?.value {
            outputs = try parseOutputs(names.split(separator: ",").map(String.init), pointer: "/outputs")
        }
        for (key, value) in object.members {
            let memberPointer = JSONPointer.appending(pointer, key: key)
            switch key {
            case _ where JobAssembler.tensorNames.contains(key):
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
                    "Unknown member \"\(key)\"; a job has input, target, weight, pos_weight, grad_output, options, outputs"
                        + (allowsLossMember ? ", loss." : "."),
                    pointer: memberPointer)
            }
        }
        return try JobAssembler.assemble(loss: loss, tensors: tensors, options: options, outputs: outputs, base: pointer,
            optionsPointer: JSONPointer.appending(pointer, key: "options"))
    }

    private static func parseOutputs(_ value: JSONValue, pointer: String) throws(Problem) -> JobOutputs {
        guard case .array(let items) = value else {
            if case .numbers(let empty) = value, empty.values.isEmpty { return [] }
            throw Problem(.malformedRequest, "outputs must be an array of \"value\", \"grad\", \"diagnostics\".", pointer: pointer)
        }
        var names: [String] = []
        for (i, item) in items.enumerated() {
            guard let name = item.stringValue else {
                throw Problem(.malformedRequest, "outputs holds strings.", pointer: JSONPointer.appending(pointer, index: i))
            }
            names.append(name)
        }
        return try parseOutputs(names, pointer: pointer)
    }

    private static func parseOutputs(_ names: [String], pointer: String) throws(Problem) -> JobOutputs {
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
}
