/// Conversions of the 16-bit float formats of safetensors to `Float`, exact for every bit
/// pattern (normals, subnormals, ±0, ±infinity, NaN with its payload kept where `Float` can).
public enum HalfPrecision {
    /// IEEE 754 binary16 (safetensors F16, numpy float16) to `Float`, by hand so that it does
    /// not depend on `Float16` support in the toolchain: every binary16 value is exact in
    /// binary32.
    @inline(__always)  // Per element of F16 tensors.
    public static func float(fromF16 bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10 & 0x1F)
        let fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:
            // Infinity or NaN (payload shifted into the float's fraction; quiet bit kept).
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        case 0:
            // Zero or subnormal: fraction × 2^-24, exact in Float.
            let magnitude = Float(fraction) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    /// bfloat16 (safetensors BF16, torch.bfloat16) to `Float`: the upper half of a binary32.
    @inline(__always)  // Per element of BF16 tensors.
    public static func float(fromBF16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
