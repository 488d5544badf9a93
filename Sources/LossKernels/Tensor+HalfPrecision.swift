extension Tensor {
    /// Converts IEEE binary16 bit patterns (safetensors F16, little-endian already decoded) to
    /// Float exactly (every half value is representable), NaN and infinities included.
    public static func float32(fromHalfBits bits: [UInt16]) -> [Float] {
        bits.map { h in
            let sign = UInt32(h & 0x8000) << 16
            let exponent = Int(h >> 10) & 0x1F
            let mantissa = UInt32(h & 0x3FF)
            if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
            if exponent == 0 {  // zero or subnormal: mantissa * 2^-24
                let magnitude = Float(mantissa) * 0x1p-24
                return sign == 0 ? magnitude : -magnitude
            }
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }

    /// Converts bfloat16 bit patterns (the upper half of a binary32) to Float exactly.
    public static func float32(fromBFloat16Bits bits: [UInt16]) -> [Float] {
        bits.map { Float(bitPattern: UInt32($0) << 16) }
    }
}
