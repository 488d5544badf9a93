/// Decoding a safetensors tensor's little-endian bytes into `Float`, `Double` or `Int64`
/// storage: one allocation per tensor, one pass.
extension SafetensorsTensor {
    /// The elements as `Float`: F32, F16 and BF16 exactly, F64 rounded to nearest; `nil` for
    /// other dtypes.
    public func floatValues() -> [Float]? {
        switch dtype {
        case .f32 where UInt32(1).littleEndian == 1: copyBytes(as: Float.self)
        case .f32: decode { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 4, as: UInt32.self))) }
        case .f64: decode { Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: UInt64.self)))) }
        case .f16: decode { HalfPrecision.float(fromF16: UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 2, as: UInt16.self))) }
        case .bf16: decode { HalfPrecision.float(fromBF16: UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 2, as: UInt16.self))) }
        default: nil
        }
    }

    /// The elements as `Double`: every floating-point dtype exactly; `nil` for other dtypes.
    public func doubleValues() -> [Double]? {
        switch dtype {
        case .f64 where UInt64(1).littleEndian == 1: copyBytes(as: Double.self)
        case .f64: decode { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: UInt64.self))) }
        case .f32, .f16, .bf16: floatValues().map { $0.map(Double.init) }
        default: nil
        }
    }

    /// The elements as `Int64` for the integer dtypes (BOOL as 0/1); `nil` for other dtypes,
    /// or a U64 element above `Int64.max`.
    public func int64Values() -> [Int64]? {
        switch dtype {
        case .i64: return decode { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: Int64.self)) }
        case .i32: return decode { Int64(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 4, as: Int32.self))) }
        case .i16: return decode { Int64(Int16(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 2, as: Int16.self))) }
        case .u16: return decode { Int64(UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 2, as: UInt16.self))) }
        case .u32: return decode { Int64(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 4, as: UInt32.self))) }
        case .i8: return decode { Int64(Int8(bitPattern: $0[$1])) }
        case .u8, .bool: return decode { Int64($0[$1]) }
        case .u64:
            let values = decode { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1 * 8, as: UInt64.self)) }
            guard values.allSatisfy({ $0 <= UInt64(Int64.max) }) else { return nil }
            return values.map { Int64($0) }
        default: return nil
        }
    }

    /// `count` elements copied as they lie (one memcpy): only for a dtype whose little-endian
    /// bytes are `T`'s in-memory layout on this host.
    private func copyBytes<T: BinaryFloatingPoint>(as _: T.Type) -> [T] {
        let n = count
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<(n * MemoryLayout<T>.size)]))
            }
            initialized = n
        }
    }

    /// `count` elements, element `i` read by `element(bytes, i)`.
    @inline(__always)
    private func decode<T>(_ element: (UnsafeRawBufferPointer, Int) -> T) -> [T] {
        let n = count
        return [T](unsafeUninitializedCapacity: n) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<n { out.initializeElement(at: i, to: element(raw, i)) }
            }
            initialized = n
        }
    }
}
