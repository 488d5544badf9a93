import HTTPServer
import LossAPI

/// A request before it is built: what the mutations edit. JSON bodies (a job, a batch, an OIP
/// request, a safetensors header) are kept as a tree, binary tensor data as bytes after it.
struct Draft: Sendable {
    /// How the body is assembled from `document` and `tail`.
    enum Kind: Sendable {
        /// `document` is the body.
        case json
        /// 8-byte little-endian header length, `document` (the safetensors header), `tail`.
        case safetensors
        /// `document`, then `tail`; `Inference-Header-Content-Length` gives the document's length.
        case oipBinary
    }

    var kind: Kind
    var method = "POST"
    var path: String
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var document: MiniJSON
    var tail: [UInt8] = []
    /// A mutated `Inference-Header-Content-Length` (else the document's true length).
    var headerLengthOverride: String? = nil
    /// A mutated safetensors header length (else the header's true length).
    var safetensorsLengthOverride: UInt64? = nil

    /// The request the service receives.
    func request() -> Request {
        var body = document.bytes
        var fields = headers
        switch kind {
        case .json: break
        case .safetensors:
            let length = safetensorsLengthOverride ?? UInt64(body.count)
            body = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + body + tail
        case .oipBinary:
            fields.append(("Inference-Header-Content-Length", headerLengthOverride ?? String(body.count)))
            body += tail
        }
        let target = path + (query.isEmpty ? "" : "?" + query.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&"))
        return Request(method: method, target: target, path: path, query: query, headers: HTTPHeaders(fields), body: body)
    }

    private func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2E || byte == 0x5F || byte == 0x2D {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// A valid job, independent of its wire form: tensors (shape and values) and options.
struct Job: Sendable {
    struct Tensor: Sendable {
        var name: String
        var shape: [Int]
        var values: [Double]
        var isInteger: Bool
    }

    var loss: LossInfo
    var tensors: [Tensor]
    /// Options with their JSON values (in the query they are written as text).
    var options: [(name: String, value: MiniJSON)]

    /// The wire forms a seed can take.
    enum Form: Int, CaseIterable, Sendable {
        case jsonNested, jsonShapeData, jsonQueryOptions, safetensors, oipJSON, oipBinary, batch
    }

    /// Element encodings a seed can choose for floating tensors and for integer tensors.
    static let floatTypes = [("float32", "F32", "FP32", 4), ("float64", "F64", "FP64", 8), ("float16", "F16", "FP16", 2), ("bfloat16", "BF16", "BF16", 2)]
    static let integerTypes = [("int64", "I64", "INT64", 8), ("int32", "I32", "INT32", 4), ("uint8", "U8", "UINT8", 1)]

    /// The job as a request in `form`. `variant` picks the element types, the `Accept` header
    /// and whether options are sent; every variant of a valid job is a valid request.
    func draft(_ form: Form, variant: UInt8, partner: Job) -> Draft {
        let floatType = Self.floatTypes[Int(variant & 3)]
        let integerType = Self.integerTypes[Int(variant >> 2 & 3) % 3]
        let accept = ["", "application/json", "application/octet-stream", "application/octet-stream;q=0.5, application/json"][Int(variant >> 4 & 3)]
        let sendOptions = variant & 0x40 == 0
        func types(_ tensor: Tensor) -> (json: String, safetensors: String, oip: String, width: Int) {
            tensor.isInteger ? integerType : floatType
        }
        var draft: Draft
        switch form {
        case .jsonNested, .jsonShapeData, .jsonQueryOptions:
            var members = tensors.map { tensor in
                MiniJSON.Member(key: tensor.name, value: form == .jsonShapeData ? shapeAndData(tensor, dtype: types(tensor).json) : nested(tensor))
            }
            if sendOptions && form != .jsonQueryOptions && !options.isEmpty {
                members.append(.init(key: "options", value: .object(options.map { .init(key: $0.name, value: $0.value) })))
            }
            if variant & 0x80 != 0 { members.append(.init(key: "outputs", value: .array([.string("value"), .string("grad"), .string("diagnostics")]))) }
            draft = Draft(kind: .json, path: "/v1/loss/" + loss.name, document: .object(members))
            if form == .jsonQueryOptions {
                draft.query = (sendOptions ? options.map { ($0.name, Self.text($0.value)) } : []) + [("outputs", "value,grad,diagnostics")]
            }
        case .safetensors:
            var header: [MiniJSON.Member] = []
            var data: [UInt8] = []
            for tensor in tensors {
                let type = types(tensor)
                let bytes = Self.encode(tensor.values, as: type.safetensors)
                header.append(.init(key: tensor.name, value: .object([
                    .init(key: "dtype", value: .string(type.safetensors)),
                    .init(key: "shape", value: .array(tensor.shape.map { .number(String($0)) })),
                    .init(key: "data_offsets", value: .array([.number(String(data.count)), .number(String(data.count + bytes.count))])),
                ])))
                data += bytes
            }
            if variant & 0x80 != 0 { header.insert(.init(key: "__metadata__", value: .object([.init(key: "format", value: .string("pt"))])), at: 0) }
            draft = Draft(kind: .safetensors, path: "/v1/loss/" + loss.name, document: .object(header), tail: data)
            draft.headers.append(("Content-Type", "application/octet-stream"))
            if sendOptions { draft.query = options.map { ($0.name, Self.text($0.value)) } }
        case .oipJSON, .oipBinary:
            var inputs: [MiniJSON] = []
            var data: [UInt8] = []
            for tensor in tensors {
                let type = types(tensor)
                var members: [MiniJSON.Member] = [
                    .init(key: "name", value: .string(tensor.name)),
                    .init(key: "shape", value: .array(tensor.shape.map { .number(String($0)) })),
                    .init(key: "datatype", value: .string(type.oip)),
                ]
                if form == .oipBinary {
                    let bytes = Self.encode(tensor.values, as: type.safetensors)
                    members.append(.init(key: "parameters", value: .object([.init(key: "binary_data_size", value: .number(String(bytes.count)))])))
                    data += bytes
                } else {
                    members.append(.init(key: "data", value: .array(tensor.values.map { Self.number($0, integer: tensor.isInteger) })))
                }
                inputs.append(.object(members))
            }
            var members: [MiniJSON.Member] = [.init(key: "id", value: .string("fuzz")), .init(key: "inputs", value: .array(inputs))]
            var parameters = sendOptions ? options.map { MiniJSON.Member(key: $0.name, value: $0.value) } : []
            if variant & 0x80 != 0 { parameters.append(.init(key: "binary_data_output", value: .bool(form == .oipBinary))) }
            if !parameters.isEmpty { members.append(.init(key: "parameters", value: .object(parameters))) }
            draft = Draft(kind: form == .oipBinary ? .oipBinary : .json, path: "/v2/models/\(loss.name)/infer", document: .object(members), tail: data)
            if form == .oipBinary { draft.headers.append(("Content-Type", "application/octet-stream")) }
        case .batch:
            let jobs = [self, partner].map { job -> MiniJSON in
                var members = [MiniJSON.Member(key: "loss", value: .string(job.loss.name))]
                members += job.tensors.map { .init(key: $0.name, value: variant & 1 == 0 ? job.nested($0) : job.shapeAndData($0, dtype: types($0).json)) }
                if sendOptions && !job.options.isEmpty {
                    members.append(.init(key: "options", value: .object(job.options.map { .init(key: $0.name, value: $0.value) })))
                }
                return .object(members)
            }
            draft = Draft(kind: .json, path: "/v1/batch", document: .object([.init(key: "jobs", value: .array(jobs))]))
            return draft
        }
        if !accept.isEmpty { draft.headers.append(("Accept", accept)) }
        return draft
    }

    /// A tensor as nested arrays (a bare number for shape []).
    func nested(_ tensor: Tensor) -> MiniJSON {
        func level(_ dimension: Int, _ offset: Int) -> MiniJSON {
            guard dimension < tensor.shape.count else { return Self.number(tensor.values[offset], integer: tensor.isInteger) }
            let stride = tensor.shape[(dimension + 1)...].reduce(1, *)
            return .array((0..<tensor.shape[dimension]).map { level(dimension + 1, offset + $0 * stride) })
        }
        return level(0, 0)
    }

    /// A tensor as `{"shape", "data", "dtype"}`.
    func shapeAndData(_ tensor: Tensor, dtype: String) -> MiniJSON {
        .object([
            .init(key: "shape", value: .array(tensor.shape.map { .number(String($0)) })),
            .init(key: "data", value: .array(tensor.values.map { Self.number($0, integer: tensor.isInteger) })),
            .init(key: "dtype", value: .string(dtype)),
        ])
    }

    static func number(_ value: Double, integer: Bool) -> MiniJSON {
        integer ? .number(String(Int(value))) : .number(String(value))
    }

    /// An option value as query text (strings unquoted).
    static func text(_ value: MiniJSON) -> String {
        switch value {
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        default: String(decoding: value.bytes, as: UTF8.self)
        }
    }

    /// `values` as little-endian elements of safetensors dtype `dtype`.
    static func encode(_ values: [Double], as dtype: String) -> [UInt8] {
        func little<T: FixedWidthInteger>(_ bits: T) -> [UInt8] { (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) } }
        return values.flatMap { value -> [UInt8] in
            switch dtype {
            case "F64": little(value.bitPattern)
            case "F16": little(Float16(value).bitPattern)
            case "BF16": little(UInt16(Float(value).bitPattern >> 16))
            case "I64": little(Int64(value))
            case "I32": little(Int32(value))
            case "U8": little(UInt8(value))
            default: little(Float(value).bitPattern)
            }
        }
    }
}
