/// The mutation operations of FuzzRequestPath: each reads four input bytes (operation, a 16-bit
/// selector, an argument) and edits one part of a `Draft`: a node of the JSON document (numbers
/// set to extremes, members dropped, duplicated or renamed, types swapped, arrays truncated or
/// grown), the binary tensor data, the query, the headers or the route.
struct Mutator {
    /// Numbers that sit on an edge somewhere: Int64/Int/UInt64 and 2^40 limits, Double and
    /// Float range and precision limits, -0, overflowing spellings, a shape size beyond Int.max.
    static let extremeNumbers = [
        "8643466417512051113984000", "-0", "-0.0", "0", "1", "2", "3", "-1", "-2", "0.5", "1.5", "2.5", "1e308", "-1e308",
        "1e309", "1e400", "-1e400", "1e-320", "4.9e-324", "2.2250738585072014e-308", "1e-300", "1e-45", "1e-7", "0.1",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "9007199254740993", "4294967296", "2147483648", "-2147483649",
        "1099511627776", "1099511627777", "1048576", "65504", "65520", "3.4028235e38", "3.5e38", "1e39", "-1e39", "256",
        "255", "1e2", "1E+2", "2.0", "100000000000000000000000000000000000000000000000000", "0.00000000000000000000001",
        "123456789012345678901234567890e-10", "1e-400", "-1e-400", "4611686018427387904", "3037000500", "1e19",
    ]

    /// Strings a field might be set to: every dtype spelling (valid in one form or another, and
    /// some no form accepts), option words, non-finite spellings, odd text.
    let strings: [String]
    /// Member names to rename to or add: every tensor, option and envelope name.
    let keys: [String]
    /// Option values per the catalogue (defaults and domain edges) plus the extremes.
    let optionValues: [MiniJSON]
    /// Loss names, for routes and batch jobs.
    let lossNames: [String]
    /// Option names, for the query.
    let optionNames: [String]

    init(losses: [LossInfo]) {
        lossNames = losses.map(\.name)
        optionNames = Array(Set(losses.flatMap { $0.options.map(\.name) })).sorted()
        let words = losses.flatMap { $0.options.flatMap { $0.edges.compactMap(\.stringValue) } }
        strings = Array(Set(
            ["float16", "bfloat16", "float32", "float64", "int64", "int32", "uint8", "bool", "int8", "complex64", "F16", "BF16", "F32",
             "F64", "I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL", "F8_E4M3", "F8_E5M2", "FP16", "FP32", "FP64", "INT64",
             "INT32", "INT8", "UINT8", "BYTES", "value", "grad", "diagnostics", "value,grad", "NaN", "Infinity", "-Infinity", "nan",
             "inf", "-inf", "+Infinity", "1e400", "-0", "0", "1", "true", "", " ", String(repeating: "x", count: 300), "é", "\u{0}",
             "%", "{}", "/", "~1"] + words + lossNames + optionNames)).sorted()
        let tensorNames = losses.flatMap { $0.tensors.map(\.name) }
        keys = Array(Set(tensorNames + optionNames + [
            "grad_output", "options", "outputs", "loss", "shape", "data", "dtype", "data_offsets", "__metadata__", "id", "inputs",
            "parameters", "name", "datatype", "binary_data_size", "binary_data", "binary_data_output", "jobs", "x", "",
        ])).sorted()
        optionValues = losses.flatMap { $0.options.flatMap { [$0.defaultValue] + $0.edges } }
            + Self.extremeNumbers.map(MiniJSON.number) + [.bool(true), .bool(false), .null, .string("NaN"), .string("true")]
    }

    /// Applies the operations encoded in `bytes` (four bytes each) to `draft`.
    func apply(_ bytes: ArraySlice<UInt8>, to draft: inout Draft) {
        var rest = bytes
        while rest.count >= 4 {
            let op = rest[rest.startIndex]
            let selector = Int(rest[rest.startIndex + 1]) << 8 | Int(rest[rest.startIndex + 2])
            let argument = Int(rest[rest.startIndex + 3])
            rest = rest.dropFirst(4)
            mutate(&draft, op: op, selector: selector, argument: argument)
        }
    }

    private func mutate(_ draft: inout Draft, op: UInt8, selector: Int, argument: Int) {
        switch op % 24 {
        case 16: resync(&draft)
        case 17: mutateTail(&draft.tail, selector: selector, argument: argument)
        case 18: mutateQuery(&draft, selector: selector, argument: argument)
        case 19: mutateHeaders(&draft, selector: selector, argument: argument)
        case 20: mutateRoute(&draft, selector: selector, argument: argument)
        case 21:
            draft.headerLengthOverride = ["-1", "0", "1", "18446744073709551616", "9223372036854775807", "+5", " 5", "0x10", ""][argument % 9]
            if argument >= 9 { draft.headerLengthOverride = String(draft.document.bytes.count + argument % 5 - 2) }
            draft.safetensorsLengthOverride = [0, 1, UInt64.max, UInt64(Int.max), 1 << 63, 100_000_001, UInt64(draft.document.bytes.count + 1)][argument % 7]
        default:
            // Documents stop growing at about 64k nodes: beyond that a request tests the memory
            // limit of the fuzzer (-rss_limit_mb), not the service.
            let paths = draft.document.paths(limit: 1 << 16)
            guard !paths.isEmpty, paths.count < 1 << 16 || ![5, 6, 8, 9, 11, 15].contains(op % 24) else { return }
            let path = paths[selector % paths.count]
            let other = draft.document.node(at: paths[(selector / 7 + argument) % paths.count][...])
            draft.document.modify(at: path[...]) { mutateNode(&$0, op: op % 24, argument: argument, other: other) }
        }
    }

    /// One edit of a document node (operations 0-15, 22, 23).
    private func mutateNode(_ node: inout MiniJSON, op: UInt8, argument: Int, other: MiniJSON) {
        switch op {
        case 0, 1: node = .number(Self.extremeNumbers[argument % Self.extremeNumbers.count])
        case 2: node = .string(strings[argument % strings.count])
        case 3: node = [.null, .bool(true), .bool(false), .array([]), .object([]), .array([.array([])]), .number("1"), .string("")][argument % 8]
        case 4: node = optionValues[argument % optionValues.count]
        case 5: node = other
        case 6: node = .array([node])
        case 7:
            switch node {
            case .array(var items) where !items.isEmpty: items.remove(at: argument % items.count); node = .array(items)
            case .object(var members) where !members.isEmpty: members.remove(at: argument % members.count); node = .object(members)
            default: node = .null
            }
        case 8:
            switch node {
            case .array(var items) where !items.isEmpty: items.insert(items[argument % items.count], at: argument % items.count); node = .array(items)
            case .object(var members) where !members.isEmpty: members.append(members[argument % members.count]); node = .object(members)
            default: node = .array([node, node])
            }
        case 9:
            // Grow an array by repeating it (up to 4096 elements), or truncate it.
            guard case .array(let items) = node, !items.isEmpty else { return }
            if argument & 1 == 0 {
                node = .array(Array(items.prefix(argument / 2 % items.count)))
            } else {
                let target = min(4096, items.count * (2 + argument / 2 % 8))
                node = .array((0..<target).map { items[$0 % items.count] })
            }
        case 10:
            switch node {
            case .object(var members) where !members.isEmpty:
                members[argument % members.count].key = keys[argument / members.count % keys.count]
                node = .object(members)
            default: node = .object([.init(key: keys[argument % keys.count], value: node)])
            }
        case 11:
            guard case .object(var members) = node else { return }
            members.insert(.init(key: keys[argument % keys.count], value: other), at: argument % (members.count + 1))
            node = .object(members)
        case 12:
            // Perturb a number's text: negate, scale by a power of ten, make it fractional.
            guard case .number(let text) = node else { return }
            node = .number([text.hasPrefix("-") ? String(text.dropFirst()) : "-" + text, text + "0", text + "e300", text + ".5", text + "e-400", "0" + text][argument % 6])
        case 13:
            switch node {
            case .array(let items) where !items.isEmpty: node = items[argument % items.count]
            case .object(let members) where !members.isEmpty: node = members[argument % members.count].value
            case .number(let text): node = .string(text)
            case .string(let text): node = .number(text)
            default: break
            }
        case 14:
            // Reverse an array or an object's members (dimensions, job order, member order).
            if case .array(let items) = node { node = .array(items.reversed()) }
            if case .object(let members) = node { node = .object(members.reversed()) }
        case 22, 23:
            // Insert an extreme number into an array (a shape gains a 0, a 2^40, a -1 dimension).
            guard case .array(var items) = node else { return }
            items.insert(.number(Self.extremeNumbers[argument % Self.extremeNumbers.count]), at: argument / 7 % (items.count + 1))
            node = .array(items)
        default:
            // Deepen: every element of an array becomes a one-element array (a ragged or extra axis).
            guard case .array(let items) = node else { return }
            node = .array(items.enumerated().map { $0.offset % (argument % 3 + 1) == 0 ? .array([$0.element]) : $0.element })
        }
    }

    /// Bytes that are special in some element type: NaN and infinities of F32/F64/F16/BF16,
    /// Int64 extremes, small class indices.
    static let specialElements: [[UInt8]] = [
        [0x00, 0x00, 0xC0, 0x7F], [0x00, 0x00, 0x80, 0x7F], [0x00, 0x00, 0x80, 0xFF], [0x00, 0x00, 0x00, 0x80],
        [0, 0, 0, 0, 0, 0, 0xF8, 0x7F], [0, 0, 0, 0, 0, 0, 0xF0, 0x7F], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
        [0, 0, 0, 0, 0, 0, 0, 0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x00, 0x7E], [0x00, 0x7C], [0x80, 0x7F],
        [0xC0, 0x7F], [0x01, 0x00], [0x07, 0, 0, 0, 0, 0, 0, 0], [0xFF], [0x01, 0x00, 0x00, 0x00], [0xFF, 0xFF, 0x7F, 0x7F],
    ]

    private func mutateTail(_ tail: inout [UInt8], selector: Int, argument: Int) {
        switch argument % 4 {
        case 0: tail.removeLast(min(tail.count, argument / 4 % 9))
        case 1: tail += [UInt8](repeating: UInt8(truncatingIfNeeded: selector), count: argument / 4 % 9)
        default:
            guard !tail.isEmpty else { return }
            let special = Self.specialElements[argument / 4 % Self.specialElements.count]
            let start = selector % tail.count
            for (i, byte) in special.enumerated() where start + i < tail.count { tail[start + i] = byte }
        }
    }

    private func mutateQuery(_ draft: inout Draft, selector: Int, argument: Int) {
        switch argument % 4 {
        case 0 where !draft.query.isEmpty: draft.query.remove(at: selector % draft.query.count)
        case 1 where !draft.query.isEmpty: draft.query.append(draft.query[selector % draft.query.count])
        case 2:
            let values = ["value", "grad", "diagnostics", "value,grad", "", ",", "value,,grad", "loss", "grad,grad"]
            draft.query.append(("outputs", values[selector % values.count]))
        default:
            let names = optionNames + ["", "x", "loss"]
            let value = optionValues[selector % optionValues.count]
            draft.query.append((names[argument / 4 % names.count], value.stringValue ?? Job.text(value)))
        }
    }

    private func mutateHeaders(_ draft: inout Draft, selector: Int, argument: Int) {
        let fields: [(String, String)] = [
            ("Content-Type", "application/json"), ("Content-Type", "application/octet-stream"), ("Content-Type", "application/vnd.safetensors"),
            ("Content-Type", "text/plain"), ("Content-Type", "application/problem+json"), ("Content-Type", ""), ("Content-Type", "/"),
            ("Content-Type", "application/json; charset=utf-8"), ("Accept", "application/json"), ("Accept", "application/octet-stream"),
            ("Accept", "text/html"), ("Accept", "*/*;q=0"), ("Accept", "application/*;q=0.5, application/json;q=0.4"), ("Accept", ""),
            ("Accept", "application/vnd.safetensors"), ("Accept", "application/json;q=NaN, application/octet-stream;q=1e400"),
            ("X-Request-Id", String(repeating: "r", count: 300)), ("X-Request-Id", "\u{7F}\n"), ("Inference-Header-Content-Length", "3"),
        ]
        let field = fields[selector % fields.count]
        if argument & 1 == 0 { draft.headers.removeAll { $0.name == field.0 } }
        draft.headers.append(field)
    }

    private func mutateRoute(_ draft: inout Draft, selector: Int, argument: Int) {
        let name = (lossNames + ["", "x", "%2F", "..", "cross_entropy/", "CROSS_ENTROPY"])[selector % (lossNames.count + 6)]
        switch argument % 5 {
        case 0: draft.path = "/v1/loss/" + name
        case 1: draft.path = "/v2/models/\(name)/infer"
        case 2: draft.path = ["/v1/batch", "/v1/losses", "/v2", "/v2/models/\(name)", "/v2/models/\(name)/ready", "/", "/healthz", "/openapi.yaml"][argument / 5 % 8]
        case 3: draft.method = ["GET", "PUT", "HEAD", "DELETE", "OPTIONS", "post", ""][argument / 5 % 7]
        default: draft.path += ["/", "/x", "?", "%00"][argument / 5 % 4]
        }
    }

    /// Makes the binary data consistent with the mutated document again, so that mutated
    /// shapes and dtypes get past the framing checks to the decoders and kernels: each
    /// safetensors tensor's `data_offsets`, each OIP binary input's `binary_data_size`, is
    /// recomputed from its (mutated) dtype and shape, its old bytes kept as far as they go and
    /// the rest filled. Tensors of more than 64 KiB, or whose size is unreadable, are left alone.
    func resync(_ draft: inout Draft) {
        switch (draft.kind, draft.document) {
        case (.safetensors, .object(var members)):
            var tail: [UInt8] = []
            for i in members.indices {
                guard case .object(var entry) = members[i].value,
                      let count = Self.byteCount(dtype: members[i].value["dtype"], shape: members[i].value["shape"])
                else { continue }
                var old: ArraySlice<UInt8> = []
                if let range = members[i].value["data_offsets"]?.arrayValue, range.count == 2,
                   let begin = range[0].integer, let end = range[1].integer, 0 <= begin, begin <= end, end <= draft.tail.count {
                    old = draft.tail[begin..<end]
                }
                entry.removeAll { $0.key == "data_offsets" }
                entry.append(.init(key: "data_offsets", value: .array([.number(String(tail.count)), .number(String(tail.count + count))])))
                members[i].value = .object(entry)
                tail += Self.fitted(old, count: count)
            }
            draft.document = .object(members)
            draft.tail = tail
        case (.oipBinary, .object(var members)):
            guard let index = members.firstIndex(where: { $0.key == "inputs" }), case .array(var inputs) = members[index].value else { return }
            var old = draft.tail[...]
            var tail: [UInt8] = []
            for i in inputs.indices {
                guard case .object(var input) = inputs[i], let p = input.firstIndex(where: { $0.key == "parameters" }),
                      case .object(var parameters) = input[p].value,
                      let s = parameters.firstIndex(where: { $0.key == "binary_data_size" }) else { continue }
                let oldSize = max(0, parameters[s].value.integer ?? 0)
                let slice = old.prefix(oldSize)
                old = old.dropFirst(oldSize)
                guard let count = Self.byteCount(dtype: inputs[i]["datatype"], shape: inputs[i]["shape"]) else {
                    tail += slice
                    continue
                }
                parameters[s].value = .number(String(count))
                input[p].value = .object(parameters)
                inputs[i] = .object(input)
                tail += Self.fitted(slice, count: count)
            }
            members[index].value = .array(inputs)
            draft.document = .object(members)
            draft.tail = tail + old
        default:
            return
        }
    }

    /// Bytes per element of every safetensors and OIP dtype name (accepted by lossd or not).
    static let elementWidths = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "U16": 2, "U32": 4, "U64": 8,
        "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1, "FP64": 8, "FP32": 4, "FP16": 2, "INT64": 8, "INT32": 4, "UINT8": 1,
    ]

    /// The byte size of a tensor of `dtype` and `shape` when both are readable and it is at
    /// most 64 KiB.
    static func byteCount(dtype: MiniJSON?, shape: MiniJSON?) -> Int? {
        guard let name = dtype?.stringValue, let width = elementWidths[name], let sizes = shape?.arrayValue else { return nil }
        var count = width
        for size in sizes {
            guard let value = size.integer, value >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: value)
            guard !overflow, product <= 1 << 16 else { return nil }
            count = product
        }
        return count
    }

    /// `old` cut or filled (with 0x3C bytes: 1.0 in F16, small finite values elsewhere) to `count` bytes.
    static func fitted(_ old: ArraySlice<UInt8>, count: Int) -> [UInt8] {
        Array(old.prefix(count)) + [UInt8](repeating: 0x3C, count: max(0, count - old.count))
    }
}

extension MiniJSON {
    /// Paths (child positions) of the first `limit` nodes in pre-order, the root included.
    func paths(limit: Int) -> [[Int]] {
        var result: [[Int]] = []
        func walk(_ node: MiniJSON, _ path: [Int]) {
            guard result.count < limit else { return }
            result.append(path)
            switch node {
            case .array(let items): for (i, item) in items.enumerated() { walk(item, path + [i]) }
            case .object(let members): for (i, member) in members.enumerated() { walk(member.value, path + [i]) }
            default: break
            }
        }
        walk(self, [])
        return result
    }

    /// The node at `path`.
    func node(at path: ArraySlice<Int>) -> MiniJSON {
        guard let first = path.first else { return self }
        switch self {
        case .array(let items): return items[first].node(at: path.dropFirst())
        case .object(let members): return members[first].value.node(at: path.dropFirst())
        default: return self
        }
    }

    /// The value of a number node written as a plain integer, or `nil`.
    var integer: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text)
    }

    /// Edits the node at `path` in place.
    mutating func modify(at path: ArraySlice<Int>, _ body: (inout MiniJSON) -> Void) {
        guard let first = path.first else { return body(&self) }
        switch self {
        case .array(var items):
            items[first].modify(at: path.dropFirst(), body)
            self = .array(items)
        case .object(var members):
            members[first].value.modify(at: path.dropFirst(), body)
            self = .object(members)
        default: body(&self)
        }
    }
}
