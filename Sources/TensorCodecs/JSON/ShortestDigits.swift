/// Shortest round-trip decimal digits of `Float` and `Double` (Raffaello Giulietti's
/// Schubfach algorithm, "The Schubfach way to render doubles", 2020, after Alexander Bolz's
/// Drachennest implementation), and their spelling the way Python's `repr` spells floats.
///
/// For a finite non-zero `v`, the digits `d × 10^e` are the shortest decimal that rounds back
/// to `v` in its own type, and of those the closest to `v` (ties to even digit): exactly what
/// Python's `repr` (for `Double`) and numpy's `repr(np.float32)` (for `Float`) print.
///
/// An instance holds the tables in stored properties so that the per-number path does not go
/// through the lazy initialisation check of a global on every call.
struct ShortestDigits {
    private let powersOfTen64 = schubfachPowersOfTen64
    private let powersOfTen128 = schubfachPowersOfTen128

    /// The shortest decimal `digits × 10^exponent` of a finite, positive `Float`.
    func decimal(_ value: Float) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        return decimal(fraction: UInt64(bits & 0x7F_FFFF), biased: Int(bits >> 23 & 0xFF), fractionBits: 23, exponentBias: 150) { k, cp in
            Self.roundToOdd(powersOfTen64.withUnsafeBufferPointer { $0[k + 31] }, cp)
        }
    }

    /// The shortest decimal `digits × 10^exponent` of a finite, positive `Double`.
    func decimal(_ value: Double) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        return decimal(fraction: bits & 0xF_FFFF_FFFF_FFFF, biased: Int(bits >> 52 & 0x7FF), fractionBits: 52, exponentBias: 1075) { k, cp in
            let (high, low) = powersOfTen128.withUnsafeBufferPointer { ($0[2 * (k + 292)], $0[2 * (k + 292) + 1]) }
            return Self.roundToOdd(high, low, cp)
        }
    }

    /// Schubfach for a binary format with `fractionBits` explicit significand bits and the
    /// given exponent bias (IEEE bias plus `fractionBits`).
    /// - Parameter scaled: `(k, cp)` to `cp × 10^k` (scaled by the format's power of two),
    ///   truncated and rounded to odd, from the format's table.
    @inline(__always)  // Specialises `scaled` per format; called once per written number.
    private func decimal(
        fraction: UInt64, biased: Int, fractionBits: Int, exponentBias: Int, scaled: (Int, UInt64) -> UInt64
    ) -> (digits: UInt64, exponent: Int) {
        var c: UInt64
        let q: Int
        if biased != 0 {
            c = fraction | 1 << UInt64(fractionBits)
            q = biased - exponentBias
            // Small integers: exact, no search needed.
            if q <= 0, -q <= fractionBits, c & ((1 << UInt64(-q)) - 1) == 0 {
                return (c >> UInt64(-q), 0)
            }
        } else {
            c = fraction
            q = 1 - exponentBias
        }
        let isEven = c & 1 == 0
        let lowerIsCloser = fraction == 0 && biased > 1
        // floor(log10(2^q)) or floor(log10(3/4 * 2^q)).
        let k = (q * 1_262_611 - (lowerIsCloser ? 524_031 : 0)) >> 22
        let h = UInt64(q + Self.floorLog2Pow10(-k) + 1)
        let vbl = scaled(-k, (4 * c - 2 + (lowerIsCloser ? 1 : 0)) << h)
        let vb = scaled(-k, (4 * c) << h)
        let vbr = scaled(-k, (4 * c + 2) << h)
        return Self.select(vbl: vbl, vb: vb, vbr: vbr, isEven: isEven, k: k)
    }

    /// floor(log2(10^e)) for |e| <= 1233.
    @inline(__always)
    private static func floorLog2Pow10(_ e: Int) -> Int {
        (e * 1_741_647) >> 19
    }

    /// Float: the top 32 bits of the 96-bit `g × cp`, rounded to odd (a sticky bit for the rest).
    @inline(__always)
    private static func roundToOdd(_ g: UInt64, _ cp: UInt64) -> UInt64 {
        let b01 = cp &* (g & 0xFFFF_FFFF)
        let b11 = cp &* (g >> 32)
        let hi = b11 &+ (b01 >> 32)
        let y1 = hi >> 32
        let y0 = hi & 0xFFFF_FFFF
        return y1 | (y0 > 1 ? 1 : 0)
    }

    /// Double: the top 64 bits of the 192-bit `g × cp`, rounded to odd.
    @inline(__always)
    private static func roundToOdd(_ gHigh: UInt64, _ gLow: UInt64, _ cp: UInt64) -> UInt64 {
        let x = gLow.multipliedFullWidth(by: cp)
        let y = gHigh.multipliedFullWidth(by: cp)
        let (middle, carry) = y.low.addingReportingOverflow(x.high)
        let top = y.high &+ (carry ? 1 : 0)
        return top | (middle > 1 ? 1 : 0)
    }

    /// Schubfach's final choice among the candidates in the rounding interval (Figures 4 and 6
    /// of the paper): one digit shorter if possible, else the closest, ties to even.
    ///
    /// Every comparison is computed and the answer picked arithmetically: which case applies is
    /// a coin toss for random values, and mispredicted branches here once cost more than the
    /// arithmetic of the whole algorithm.
    @inline(__always)
    private static func select(vbl: UInt64, vb: UInt64, vbr: UInt64, isEven: Bool, k: Int) -> (digits: UInt64, exponent: Int) {
        let odd = bit(!isEven)
        let lower = vbl &+ odd
        let upper = vbr &- odd
        let s = vb >> 2
        let sp = s / 10
        let upInside = lower <= 40 &* sp
        let wpInside = 40 &* sp &+ 40 <= upper
        let shorter = bit(s >= 10) & bit(upInside != wpInside)
        let uInside = lower <= 4 &* s
        let wInside = 4 &* s &+ 4 <= upper
        let mid = 4 &* s &+ 2
        let roundUp = bit(vb > mid) | (bit(vb == mid) & s & 1)
        let oneSideInside = bit(uInside != wInside)
        let closest = s &+ (oneSideInside & bit(wInside) | (1 &- oneSideInside) & roundUp)
        let short = sp &+ bit(wpInside)
        // shorter is 0 or 1: a mask of all ones or all zeros picks one of the two.
        let mask = 0 &- shorter
        return (short & mask | closest & ~mask, k + Int(shorter))
    }

    @inline(__always)
    private static func bit(_ condition: Bool) -> UInt64 {
        condition ? 1 : 0
    }
}
