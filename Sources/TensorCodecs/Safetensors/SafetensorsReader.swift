/// A parsed safetensors file (huggingface/safetensors "Format"): tensors in header order, each
/// a view of the body's bytes (no copy), and the `__metadata__` string map.
public struct SafetensorsFile: Sendable {
    /// The tensors in header order.
    public var tensors: [SafetensorsTensor]
    /// `__metadata__` members in header order (empty when absent).
    public var metadata: [(key: String, value: String)]

    /// The tensor named `name`, if present.
    public subscript(name: String) -> SafetensorsTensor? {
        tensors.first { $0.name == name }
    }

    /// The metadata value for `key`, if present.
    public func metadata(_ key: String) -> String? {
        metadata.first { $0.key == key }?.value
    }
}

/// One tensor of a safetensors file.
public struct SafetensorsTensor: Sendable {
    /// The tensor's name in the header.
    public var name: String
    /// The element type.
    public var dtype: SafetensorsDType
    /// The shape, outermost first (`[]` for a scalar).
    public var shape: [Int]
    /// The little-endian, row-major element bytes: a slice of the body (shares its storage).
    public var bytes: ArraySlice<UInt8>

    /// The number of elements (the product of `shape`).
    public var count: Int { bytes.count / dtype.byteSize }

    /// Creates a tensor over `bytes` (`product(shape) * dtype.byteSize` of them; not checked).
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: ArraySlice<UInt8>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

/// Reads safetensors bodies with the validation of the reference implementation:
///
/// - the 8-byte little-endian header length is capped (``Options/maxHeaderBytes``) and must
///   fit in the body;
/// - the header is strict JSON (``JSONReader``: UTF-8, no duplicate names) and an object whose
///   members are tensor entries `{"dtype", "shape", "data_offsets"}` plus an optional
///   `__metadata__` object of strings;
/// - element counts and byte sizes are overflow-checked;
/// - sorted by offset, tensors are contiguous from 0 (no gap, no overlap), each spans exactly
///   `product(shape) * dtype size` bytes, and together they cover the data buffer exactly.
///
/// Each failure is its own ``SafetensorsError/Kind`` naming the tensor.
public enum SafetensorsReader {
    /// Reader limits.
    public struct Options: Sendable {
        /// Largest header accepted, in bytes (the reference's `MAX_HEADER_SIZE` is 100 MB).
        public var maxHeaderBytes: Int

        /// Creates options.
        public init(maxHeaderBytes: Int = 100_000_000) {
            self.maxHeaderBytes = maxHeaderBytes
        }
    }

    /// Parses and validates a safetensors body.
    /// - Throws: ``SafetensorsError`` for the first rule broken.
    /// - Complexity: O(header + tensors · log tensors); tensor bytes are not copied.
    public static func read(_ body: [UInt8], options: Options = Options()) throws(SafetensorsError) -> SafetensorsFile {
        guard body.count >= 8 else { throw SafetensorsError(.headerTooSmall) }
        let headerLength = body.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(options.maxHeaderBytes) else {
            throw SafetensorsError(.headerTooLarge(length: headerLength, limit: options.maxHeaderBytes))
        }
        let headerEnd = 8 + Int(headerLength)  // cannot overflow: headerLength <= maxHeaderBytes
        guard headerEnd <= body.count else {
            throw SafetensorsError(.invalidHeaderLength(length: headerLength, bodyLength: body.count))
        }
        guard headerLength > 0, body[8] == UInt8(ascii: "{") else {
            throw SafetensorsError(.invalidHeader(detail: "the header must be a JSON object starting with '{'"))
        }
        let parsed = body.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in
                try JSONReader.parse(
                    UnsafeRawBufferPointer(rebasing: raw[8..<headerEnd]),
                    options: JSONReader.Options(maxDepth: 8, allowNonFiniteLiterals: false))
            }
        }
        let header: JSONValue
        switch parsed {
        case .success(let value): header = value
        case .failure(let error): throw SafetensorsError(.invalidHeader(detail: error.description))
        }
        guard case .object(let members) = header else {
            throw SafetensorsError(.invalidHeader(detail: "the header is not a JSON object"))
        }
        var tensors: [SafetensorsTensor] = []
        var offsets: [(begin: Int, end: Int)] = []
        var metadata: [(key: String, value: String)] = []
        for (name, value) in members.members {
            if name == "__metadata__" {
                metadata = try readMetadata(value)
                continue
            }
            let entry = try readEntry(name: name, value)
            tensors.append(SafetensorsTensor(name: name, dtype: entry.dtype, shape: entry.shape, bytes: []))
            offsets.append((entry.begin, entry.end))
        }
        let dataBytes = body.count - headerEnd
        try validate(tensors, offsets: offsets, dataBytes: dataBytes)
        for i in tensors.indices {
            tensors[i].bytes = body[(headerEnd + offsets[i].begin)..<(headerEnd + offsets[i].end)]
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    private static func readMetadata(_ value: JSONValue) throws(SafetensorsError) -> [(key: String, value: String)] {
        guard case .object(let object) = value else {
            throw SafetensorsError(.invalidMetadata(detail: "__metadata__ is \(value.typeDescription), not an object"))
        }
        var result: [(key: String, value: String)] = []
        for (key, member) in object.members {
            guard case .string(let text) = member else {
                throw SafetensorsError(.invalidMetadata(detail: "__metadata__[\"\(key)\"] is \(member.typeDescription), not a string"))
            }
            result.append((key, text))
        }
        return result
    }

    private static func readEntry(name: String, _ value: JSONValue) throws(SafetensorsError)
        -> (dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)
    {
        func invalid(_ detail: String) -> SafetensorsError {
            SafetensorsError(.invalidTensorEntry(tensor: name, detail: detail))
        }
        guard case .object(let entry) = value else { throw invalid("the entry is \(value.typeDescription), not an object") }
        for key in entry.keys where !["dtype", "shape", "data_offsets"].contains(key) {
            throw invalid("unknown member \"\(key)\"")
        }
        guard case .string(let dtypeName)? = entry["dtype"] else { throw invalid("dtype must be a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError(.unsupportedDType(tensor: name, dtype: dtypeName))
        }
        guard let shape = naturals(entry["shape"]) else {
            throw invalid("shape must be an array of non-negative integers")
        }
        guard let offsets = naturals(entry["data_offsets"]), offsets.count == 2 else {
            throw invalid("data_offsets must be [begin, end], non-negative integers")
        }
        guard offsets[0] <= offsets[1] else { throw invalid("data_offsets begin \(offsets[0]) is after end \(offsets[1])") }
        return (dtype, shape, offsets[0], offsets[1])
    }

    /// A flat array of non-negative integers of at most 2^53 (exact in the parsed `Double`), or
    /// `nil`.
    private static func naturals(_ value: JSONValue?) -> [Int]? {
        guard case .numbers(let array)? = value, array.shape.count == 1, array.allIntegers,
              case .success(let integers) = array.int64Values(), integers.allSatisfy({ $0 >= 0 })
        else { return nil }
        return integers.map { Int($0) }
    }

    /// The reference's `Metadata::validate` plus the final `MetadataIncompleteBuffer` check.
    private static func validate(_ tensors: [SafetensorsTensor], offsets: [(begin: Int, end: Int)], dataBytes: Int) throws(SafetensorsError) {
        let order = offsets.indices.sorted { (offsets[$0].begin, offsets[$0].end) < (offsets[$1].begin, offsets[$1].end) }
        var covered = 0
        for i in order {
            let tensor = tensors[i]
            let (begin, end) = offsets[i]
            guard begin == covered else { throw SafetensorsError(.invalidOffset(tensor: tensor.name)) }
            var elements = 1
            for dimension in tensor.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw SafetensorsError(.validationOverflow(tensor: tensor.name)) }
                elements = product
            }
            let (size, overflow) = elements.multipliedReportingOverflow(by: tensor.dtype.byteSize)
            guard !overflow else { throw SafetensorsError(.validationOverflow(tensor: tensor.name)) }
            guard end - begin == size else {
                throw SafetensorsError(.sizeMismatch(tensor: tensor.name, expectedBytes: size, actualBytes: end - begin))
            }
            covered = end
        }
        guard covered == dataBytes else { throw SafetensorsError(.incompleteBuffer(coveredBytes: covered, bufferBytes: dataBytes)) }
    }
}
