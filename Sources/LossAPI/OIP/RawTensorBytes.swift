/// Little-endian, row-major element bytes (the OIP binary tensor data extension) to and from
/// values.
enum RawTensorBytes {
    /// The elements of `bytes` (whose count is a multiple of the datatype's width) as doubles,
    /// exactly (int64 beyond 2^53 rounds, which class indices never reach).
    static func values(_ bytes: ArraySlice<UInt8>, datatype: OIPDatatype) -> [Double] {
        let count = bytes.count / datatype.byteWidth
        return [Double](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let offset = i * datatype.byteWidth
                    switch datatype {
                    case .fp16:
                        out[i] = Double(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
                    case .bf16:
                        let bits = UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) << 16
                        out[i] = Double(Float(bitPattern: bits))
                    case .fp32:
                        out[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
                    case .fp64:
                        out[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                    case .int64:
                        out[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                    case .int32:
                        out[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                    case .uint8:
                        out[i] = Double(raw[offset])
                    }
                }
            }
            initialized = count
        }
    }

    /// The little-endian bytes of float32 values.
    static func bytes(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return out
    }

    /// The little-endian bytes of float64 values.
    static func bytes(_ values: [Double]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 8)
        out.withUnsafeMutableBytes { raw in
            for (i, value) in values.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        return out
    }
}
