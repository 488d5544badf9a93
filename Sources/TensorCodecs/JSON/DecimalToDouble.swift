import Glibc

/// Correctly rounded conversion of a decimal `w × 10^q` to `Double` (round half to even), in
/// three tiers:
///
/// 1. Clinger's fast path: `w <= 2^53` and `|q| <= 22`, so `w` and `10^|q|` are exact doubles
///    and one IEEE multiplication or division rounds correctly.
/// 2. Eisel-Lemire (fast_float's `compute_float`) for any `w < 2^64` and `q` in -342...308,
///    which Mushtak and Lemire proved needs no fallback for up to 19 significant digits.
/// 3. `strtod` (glibc, correctly rounded) for spellings with more than 19 significant
///    digits when `w` and `w + 1` round differently. The process uses the "C" locale (lossd
///    never calls `setlocale`), so `strtod` reads `.` as the decimal point.
///
/// An instance holds its tables in stored properties so that the per-number path does not go
/// through the lazy initialisation check of a global on every call.
struct DecimalToDouble {
    private let exactPowersOfTen = Self.exactPowersOfTenTable
    private let powersOfFive = powersOfFive128

    /// 10^0 ... 10^22, all exactly representable.
    private static let exactPowersOfTenTable: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The double nearest to `w × 10^q`.
    @inline(__always)  // Called once per number on the JSON hot paths.
    func value(w: UInt64, q: Int) -> Double {
        if w == 0 { return 0 }
        // Clinger's path needs w <= 2^53; testing w < 10^15 instead keeps the choice by digit
        // count, which a branch predictor learns for a tensor's numbers, where w <= 2^53 is
        // a coin toss for the 16 and 17 digits of float32 values written as Python floats.
        if w < 1_000_000_000_000_000, q >= -22, q <= 22 {
            let m = Double(w)
            return exactPowersOfTen.withUnsafeBufferPointer { q < 0 ? m / $0[-q] : m * $0[q] }
        }
        return Double(bitPattern: eiselLemire(w: w, q: q))
    }

    /// The double nearest to `w × 10^q`, or `nil` when `truncated` (the spelling had more
    /// significant digits than `w` holds) and the answer is not decided by `w` and `w + 1`.
    /// - Parameters:
    ///   - w: the first (at most 19) significant digits as an integer.
    ///   - q: the decimal exponent applying to `w`.
    ///   - truncated: whether non-zero digits were dropped after `w`.
    @inline(__always)  // Called once per number on the JSON hot path; keeps the fast path in the loop.
    func value(w: UInt64, q: Int, truncated: Bool) -> Double? {
        if !truncated { return value(w: w, q: q) }
        let bits = eiselLemire(w: w, q: q)
        // Dropped digits lie strictly between w and w + 1 (in units of 10^q).
        return w == .max || eiselLemire(w: w + 1, q: q) != bits ? nil : Double(bitPattern: bits)
    }

    /// Parses a complete JSON number spelling with `strtod` (tier 3).
    static func strtodValue(_ token: UnsafeBufferPointer<UInt8>) -> Double {
        let text = [CChar](unsafeUninitializedCapacity: token.count + 1) { buffer, count in
            for i in 0..<token.count { buffer[i] = CChar(bitPattern: token[i]) }
            buffer[token.count] = 0
            count = token.count + 1
        }
        return text.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) }
    }

    /// fast_float's `compute_float<binary64>`: the bit pattern of the double nearest to
    /// `w × 10^q` (positive; the caller applies the sign).
    @inline(__always)  // The tensor fast path calls it for every number.
    func eiselLemire(w: UInt64, q: Int) -> UInt64 {
        if q < -342 { return 0 }
        if q > 308 { return 0x7FF0_0000_0000_0000 }
        let lz = w.leadingZeroBitCount
        let wn = w << UInt64(lz)
        let index = 2 * (q + 342)
        let (high, low) = powersOfFive.withUnsafeBufferPointer { table -> (UInt64, UInt64) in
            var first = wn.multipliedFullWidth(by: table[index])
            // 55 bits of precision needed (52 mantissa bits + 3): refine only when the low
            // bits of the high word are all ones.
            let precisionMask: UInt64 = .max >> 55
            if first.high & precisionMask == precisionMask {
                let second = wn.multipliedFullWidth(by: table[index + 1])
                let (sum, overflow) = first.low.addingReportingOverflow(second.high)
                first.low = sum
                if overflow { first.high &+= 1 }
            }
            return (first.high, first.low)
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        // power(q) = floor(q * log2(10)) + 63, as fast_float computes it.
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        if power2 <= 0 {
            // Subnormal (or zero).
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            power2 = mantissa < (1 << 52) ? 0 : 1
            return UInt64(power2) << 52 | (mantissa & ((1 << 52) - 1))
        }
        // Exactly halfway between two doubles can only happen when 5^q fits in 64 bits.
        if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return 0x7FF0_0000_0000_0000 }
        return UInt64(power2) << 52 | mantissa
    }
}
