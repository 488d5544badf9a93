/// Writes safetensors files: the 8-byte little-endian header length, the JSON header padded
/// with spaces to a multiple of 8 bytes (as the reference writer pads it), then the tensors'
/// bytes back to back in the order given.
public enum SafetensorsWriter {
    /// A tensor to write: its name, dtype, shape and elements.
    public struct Entry: Sendable {
        /// The tensor's name (must not be `__metadata__`).
        public var name: String
        /// The element type.
        public var dtype: SafetensorsDType
        /// The shape, outermost first.
        public var shape: [Int]
        /// The elements, kept in their own type so that `write` copies them into the file once.
        var elements: Elements

        /// Element storage: raw little-endian bytes, or typed values written little-endian.
        enum Elements: Sendable {
            case bytes([UInt8])
            case float32([Float])
            case float64([Double])
            case int64([Int64])
        }

        /// An entry from raw bytes (`bytes.count` must be `product(shape) * dtype.byteSize`).
        public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.byteSize, "\(name): \(bytes.count) bytes for shape \(shape) of \(dtype)")
            self.init(name: name, dtype: dtype, shape: shape, elements: .bytes(bytes))
        }

        /// An F32 entry.
        public init(name: String, shape: [Int], float32 values: [Float]) {
            self.init(name: name, dtype: .f32, shape: shape, elements: .float32(values))
        }

        /// An F64 entry.
        public init(name: String, shape: [Int], float64 values: [Double]) {
            self.init(name: name, dtype: .f64, shape: shape, elements: .float64(values))
        }

        /// An I64 entry.
        public init(name: String, shape: [Int], int64 values: [Int64]) {
            self.init(name: name, dtype: .i64, shape: shape, elements: .int64(values))
        }

        private init(name: String, dtype: SafetensorsDType, shape: [Int], elements: Elements) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.elements = elements
        }

        /// Size of the element bytes in the file.
        package var byteCount: Int {
            switch elements {
            case .bytes(let b): b.count
            case .float32(let v): v.count * 4
            case .float64(let v): v.count * 8
            case .int64(let v): v.count * 8
            }
        }

        /// Writes the element bytes, little-endian, at `out` (which has room for `byteCount`).
        func write(to out: UnsafeMutableRawPointer) {
            switch elements {
            case .bytes(let b): b.withUnsafeBytes { Self.copy($0, as: UInt8.self, to: out) }
            case .float32(let v): v.withUnsafeBytes { Self.copy($0, as: UInt32.self, to: out) }
            case .float64(let v): v.withUnsafeBytes { Self.copy($0, as: UInt64.self, to: out) }
            case .int64(let v): v.withUnsafeBytes { Self.copy($0, as: UInt64.self, to: out) }
            }
        }

        /// Copies `source`, elements of `T`'s size, little-endian (one memcpy on little-endian hosts).
        private static func copy<T: FixedWidthInteger>(_ source: UnsafeRawBufferPointer, as _: T.Type, to out: UnsafeMutableRawPointer) {
            guard source.count > 0 else { return }
            if T(1).littleEndian == T(1) {
                out.copyMemory(from: source.baseAddress!, byteCount: source.count)
            } else {
                let size = MemoryLayout<T>.size
                for i in 0..<(source.count / size) {
                    out.storeBytes(of: source.loadUnaligned(fromByteOffset: i * size, as: T.self).littleEndian,
                                   toByteOffset: i * size, as: T.self)
                }
            }
        }
    }

    /// The safetensors file holding `tensors` (in this order) and `metadata` (omitted when
    /// empty).
    public static func write(_ tensors: [Entry], metadata: [(key: String, value: String)] = []) -> [UInt8] {
        var offset = 0
        let layout = tensors.map { tensor -> Placement in
            defer { offset += tensor.byteCount }
            return Placement(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, offsets: offset..<(offset + tensor.byteCount))
        }
        let header = headerJSON(layout, metadata: metadata)
        let headerLength = header.count + (8 - header.count % 8) % 8
        var prefix: [UInt8] = []
        prefix.reserveCapacity(8 + headerLength)
        writePrefix(header: header, paddedTo: headerLength, into: &prefix)
        return concatenate(prefix, tensors)
    }

    /// Where a tensor's bytes lie in the data section, for a header written ahead of them.
    package struct Placement {
        package var name: String
        package var dtype: SafetensorsDType
        package var shape: [Int]
        /// Byte range within the data section (after the header).
        package var offsets: Range<Int>

        /// Creates a placement.
        package init(name: String, dtype: SafetensorsDType, shape: [Int], offsets: Range<Int>) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.offsets = offsets
        }
    }

    /// The JSON header naming `layout` (in this order) and `metadata` (omitted when empty),
    /// without padding.
    package static func headerJSON(_ layout: [Placement], metadata: [(key: String, value: String)]) -> [UInt8] {
        var header = JSONWriter()
        header.beginObject()
        if !metadata.isEmpty {
            header.key("__metadata__")
            header.beginObject()
            for (key, value) in metadata {
                header.key(key)
                header.string(value)
            }
            header.endObject()
        }
        for tensor in layout {
            header.key(tensor.name)
            header.beginObject()
            header.key("dtype")
            header.string(tensor.dtype.rawValue)
            header.key("shape")
            header.beginArray()
            for dimension in tensor.shape { header.integer(Int64(dimension)) }
            header.endArray()
            header.key("data_offsets")
            header.beginArray()
            header.integer(Int64(tensor.offsets.lowerBound))
            header.integer(Int64(tensor.offsets.upperBound))
            header.endArray()
            header.endObject()
        }
        header.endObject()
        return header.bytes
    }

    /// Appends the 8-byte little-endian header length `length`, then `header` padded with
    /// spaces to `length` bytes (`length >= header.count`).
    package static func writePrefix(header: [UInt8], paddedTo length: Int, into out: inout [UInt8]) {
        precondition(length >= header.count, "header of \(header.count) bytes does not fit in \(length)")
        withUnsafeBytes(of: UInt64(length).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: length - header.count))
    }

    /// `prefix` followed by the element bytes of `tensors`, back to back, in one allocation with
    /// one copy per tensor (a safetensors file after its header; the binary part of an Open
    /// Inference Protocol answer after its JSON).
    package static func concatenate(_ prefix: [UInt8], _ tensors: [Entry]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: prefix.count + tensors.reduce(0) { $0 + $1.byteCount }) { out, initialized in
            initialized = 0
            guard let base = out.baseAddress.map(UnsafeMutableRawPointer.init) else { return }
            prefix.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
            initialized = prefix.count
            for tensor in tensors {
                tensor.write(to: base + initialized)
                initialized += tensor.byteCount
            }
        }
    }
}
