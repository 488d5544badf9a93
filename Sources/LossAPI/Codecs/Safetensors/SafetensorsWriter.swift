/// Writes safetensors files: the 8-byte little-endian header length, the JSON header padded
/// with spaces to a multiple of 8 bytes (as the reference writer pads it), then the tensors'
/// bytes back to back in the order given.
public enum SafetensorsWriter {
    /// A tensor to write: its name, dtype, shape and little-endian element bytes.
    public struct Entry: Sendable {
        /// The tensor's name (must not be `__metadata__`).
        public var name: String
        /// The element type.
        public var dtype: SafetensorsDType
        /// The shape, outermost first.
        public var shape: [Int]
        /// The element bytes, little-endian, row-major.
        public var bytes: [UInt8]

        /// An entry from raw bytes (`bytes.count` must be `product(shape) * dtype.byteSize`).
        public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.byteSize, "\(name): \(bytes.count) bytes for shape \(shape) of \(dtype)")
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// An F32 entry.
        public init(name: String, shape: [Int], float32 values: [Float]) {
            let bytes = values.withUnsafeBufferPointer { $0.withMemoryRebound(to: UInt32.self) { Self.littleEndianBytes($0) } }
            self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
        }

        /// An F64 entry.
        public init(name: String, shape: [Int], float64 values: [Double]) {
            let bytes = values.withUnsafeBufferPointer { $0.withMemoryRebound(to: UInt64.self) { Self.littleEndianBytes($0) } }
            self.init(name: name, dtype: .f64, shape: shape, bytes: bytes)
        }

        /// An I64 entry.
        public init(name: String, shape: [Int], int64 values: [Int64]) {
            self.init(name: name, dtype: .i64, shape: shape, bytes: values.withUnsafeBufferPointer { Self.littleEndianBytes($0) })
        }

        /// The values' little-endian bytes (a plain copy on little-endian hosts).
        private static func littleEndianBytes<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>) -> [UInt8] {
            let size = MemoryLayout<T>.size
            return [UInt8](unsafeUninitializedCapacity: values.count * size) { out, initialized in
                let raw = UnsafeMutableRawBufferPointer(out)
                if T(1).littleEndian == T(1) {
                    // Little-endian host: the memory already holds the file's bytes (one memcpy).
                    raw.copyMemory(from: UnsafeRawBufferPointer(values))
                } else {
                    for (i, value) in values.enumerated() {
                        raw.storeBytes(of: value.littleEndian, toByteOffset: i * size, as: T.self)
                    }
                }
                initialized = values.count * size
            }
        }
    }

    /// The safetensors file holding `tensors` (in this order) and `metadata` (omitted when
    /// empty).
    public static func write(_ tensors: [Entry], metadata: [(key: String, value: String)] = []) -> [UInt8] {
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
        var offset = 0
        for tensor in tensors {
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
            header.integer(Int64(offset))
            offset += tensor.bytes.count
            header.integer(Int64(offset))
            header.endArray()
            header.endObject()
        }
        header.endObject()
        let padding = (8 - header.bytes.count % 8) % 8
        let headerLength = UInt64(header.bytes.count + padding)
        var file: [UInt8] = []
        file.reserveCapacity(8 + Int(headerLength) + offset)
        withUnsafeBytes(of: headerLength.littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header.bytes)
        file.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        for tensor in tensors { file.append(contentsOf: tensor.bytes) }
        return file
    }
}
