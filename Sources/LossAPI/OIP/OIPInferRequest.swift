import LossKernels
import TensorCodecs

/// An Open Inference Protocol v2 inference request read as a loss job: inputs named like job
/// tensors, request `parameters` as options, requested outputs `value` and `grad`.
struct OIPInferRequest {
    /// One requested output and whether it is wanted as binary data.
    struct Output {
        var name: String
        var binary: Bool
    }

    /// The request `id`, echoed in the answer.
    var id: String?
    var decoded: DecodedJob
    /// The outputs to write, in order.
    var outputs: [Output]

    /// Request parameters that Triton clients send and that mean nothing for a loss.
    static let ignoredParameters: Set<String> = ["sequence_id", "sequence_start", "sequence_end", "priority", "timeout"]

    /// Reads the JSON header `object`; `binary` is the data after it (binary tensor data
    /// extension), consumed in input order by inputs with `parameters.binary_data_size`.
    ///
    /// - Throws: `Problem` MALFORMED_REQUEST, INVALID_TENSOR, INVALID_OPTION with pointers into the
    ///   JSON header (`/inputs/1/data/5`, `/parameters/reduction`).
    init(_ object: JSONObject, binary: ArraySlice<UInt8>, loss: LossName) throws(Problem) {
        var options = OptionDecoding(loss: loss)
        var binaryOutputs = false
        for key in object.keys where !["id", "parameters", "inputs", "outputs"].contains(key) {
            throw Problem(.malformedRequest, "Unknown member \"\(key)\" of an inference request.", pointer: "/" + key)
        }
        if let id = object["id"] {
            guard let text = id.stringValue else {
                throw Problem(.malformedRequest, "id must be a string.", pointer: "/id")
            }
            self.id = text
        }
        if let parameters = object["parameters"] {
            guard case .object(let members) = parameters else {
                throw Problem(.malformedRequest, "parameters must be an object.", pointer: "/parameters")
            }
            for (name, value) in members.members {
                let pointer = JSONPointer.appending("/parameters", key: name)
                if name == "binary_data_output" {
                    binaryOutputs = try Self.flag(value, pointer: pointer)
                } else if !Self.ignoredParameters.contains(name) {
                    try options.set(name, try OptionDecoding.optionValue(value, pointer: pointer), pointer: pointer)
                }
            }
        }
        let inputs: [JSONValue]
        switch object["inputs"] {
        case .array(let items)?: inputs = items
        case .numbers(let empty)? where empty.count == 0 && empty.shape.count == 1: inputs = []
        default: throw Problem(.malformedRequest, "inputs must be an array of tensors.", pointer: "/inputs")
        }
        var tensors: [String: WireTensor] = [:]
        var remaining = binary
        for (index, input) in inputs.enumerated() {
            let pointer = JSONPointer.appending("/inputs", index: index)
            let (name, tensor) = try Self.input(input, pointer: pointer, names: JobAssembler.tensorNames(loss), binary: &remaining)
            guard tensors[name] == nil else {
                throw Problem(.malformedRequest, "Input \(name) is given twice.", pointer: pointer + "/name")
            }
            tensors[name] = tensor
        }
        guard remaining.isEmpty else {
            throw Problem(
                .malformedRequest,
                "\(remaining.count) bytes of binary data follow the inputs' binary_data_size total.", pointer: "/inputs")
        }
        let descriptor = Loss.descriptor(loss)
        let outputNames = ["value"] + descriptor.differentiable.map { descriptor.gradientName(of: $0.name) }
        outputs = outputNames.map { Output(name: $0, binary: binaryOutputs) }
        if let requested = object["outputs"] {
            outputs = try Self.outputs(requested, among: outputNames, binaryByDefault: binaryOutputs)
        }
        var jobOutputs: JobOutputs = [.diagnostics]
        for output in outputs { jobOutputs.insert(output.name == "value" ? .value : .grad) }
        decoded = try JobAssembler.assemble(
            loss: loss, tensors: tensors, options: options, outputs: jobOutputs, base: "/inputs", optionsPointer: "/parameters")
    }

    private static func input(_ value: JSONValue, pointer: String, names: [String], binary: inout ArraySlice<UInt8>)
        throws(Problem)
        -> (String, WireTensor)
    {
        guard case .object(let input) = value else {
            throw Problem(.malformedRequest, "An input is an object with name, shape, datatype and data.", pointer: pointer)
        }
        guard let name = input["name"]?.stringValue, names.contains(name) else {
            throw Problem(
                .malformedRequest, "An input is named " + names.joined(separator: ", ") + ".",
                pointer: pointer + "/name")
        }
        guard case .numbers(let sizes)? = input["shape"], sizes.shape.count == 1,
            sizes.values.allSatisfy({ $0 >= 0 && $0.rounded() == $0 && $0 <= Double(WireTensor.maxElements) })
        else {
            throw Problem(.invalidTensor, "shape must be an array of non-negative integers.", pointer: pointer + "/shape")
        }
        let shape = sizes.values.map { Int($0) }
        let count = try WireTensor.elementCount(of: shape, pointer: pointer + "/shape")
        guard let datatypeName = input["datatype"]?.stringValue, let datatype = OIPDatatype(rawValue: datatypeName) else {
            throw Problem(
                .invalidTensor, "datatype must be one of " + OIPDatatype.allCases.map(\.rawValue).joined(separator: ", ") + ".",
                pointer: pointer + "/datatype")
        }
        var binarySize: Int? = nil
        if let parameters = input["parameters"] {
            guard case .object(let members) = parameters else {
                throw Problem(.malformedRequest, "parameters must be an object.", pointer: pointer + "/parameters")
            }
            if let size = members["binary_data_size"] {
                guard let bytes = size.numberValue?.int64Value, bytes >= 0 else {
                    throw Problem(
                        .malformedRequest, "binary_data_size must be a non-negative integer.",
                        pointer: pointer + "/parameters/binary_data_size")
                }
                binarySize = Int(bytes)
            }
        }
        let dataPointer = pointer + "/data"
        let tensor: WireTensor
        if let binarySize {
            guard input["data"] == nil else {
                throw Problem(.malformedRequest, "An input with binary_data_size has no data member.", pointer: dataPointer)
            }
            guard binarySize == count * datatype.byteWidth else {
                throw Problem(
                    .invalidTensor,
                    "binary_data_size is \(binarySize) but shape \(shape) of \(datatype.rawValue) needs \(count * datatype.byteWidth) bytes.",
                    pointer: pointer + "/parameters/binary_data_size")
            }
            guard binary.count >= binarySize else {
                throw Problem(
                    .malformedRequest, "The body ends before the \(binarySize) bytes of this input's binary data.",
                    pointer: pointer + "/parameters/binary_data_size")
            }
            let bytes = binary.prefix(binarySize)
            binary = binary.dropFirst(binarySize)
            tensor = try WireTensor.binary(
                SafetensorsTensor(name: name, dtype: datatype.safetensorsDType, shape: shape, bytes: bytes),
                source: TensorSource(pointer: dataPointer, layout: .flat))
        } else {
            guard let data = input["data"] else {
                throw Problem(.malformedRequest, "An input needs data (or binary_data_size).", pointer: dataPointer)
            }
            var sent: NumberArray
            do {
                sent = try TensorDecoding.numberArray(from: data, pointer: dataPointer)
            } catch {
                throw Problem(.invalidTensor, error.description, pointer: error.pointer)
            }
            guard sent.count == count else {
                throw Problem(
                    .invalidTensor, "data has \(sent.count) elements but shape \(shape) needs \(count).",
                    pointer: dataPointer)
            }
            let layout: TensorSource.Layout = sent.shape == shape ? .nested : .flat
            sent.shape = shape
            tensor = WireTensor(
                numbers: sent, declared: datatype.elementType, source: TensorSource(pointer: dataPointer, layout: layout))
        }
        return (name, tensor)
    }

    private static func outputs(_ value: JSONValue, among names: [String], binaryByDefault: Bool) throws(Problem) -> [Output] {
        let items: [JSONValue]
        switch value {
        case .array(let list): items = list
        case .numbers(let empty) where empty.count == 0: items = []
        default: throw Problem(.malformedRequest, "outputs must be an array.", pointer: "/outputs")
        }
        var outputs: [Output] = []
        for (index, item) in items.enumerated() {
            let pointer = JSONPointer.appending("/outputs", index: index)
            guard let name = item.objectValue?["name"]?.stringValue, names.contains(name) else {
                throw Problem(
                    .malformedRequest, "An output is {\"name\": NAME} with NAME one of " + names.joined(separator: ", ") + ".",
                    pointer: pointer + "/name")
            }
            var binary = binaryByDefault
            if case .object(let parameters)? = item.objectValue?["parameters"], let flag = parameters["binary_data"] {
                binary = try Self.flag(flag, pointer: pointer + "/parameters/binary_data")
            }
            outputs.append(Output(name: name, binary: binary))
        }
        return outputs
    }

    private static func flag(_ value: JSONValue, pointer: String) throws(Problem) -> Bool {
        guard let flag = value.boolValue else {
            throw Problem(.malformedRequest, "Expected a boolean.", pointer: pointer)
        }
        return flag
    }
}
