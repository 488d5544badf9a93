/// Shortest round-trip decimal digits of `Float` and `Double` (Raffaello Giulietti's
/// Schubfach algorithm, "The Schubfach way to render doubles", 2020, after Alexander Bolz's
/// Drachennest implementation), and their spelling the way Python's `repr` spells floats.
///
/// For a finite non-zero `v`, the digits `d × 10^e` are the shortest decimal that rounds back
/// to `v` in its own type, and of those the closest to `v` (ties to even digit): exactly what
/// Python's `repr` (for `Double`) and numpy's `repr(np.float32)` (for `Float`) print.
enum ShortestDigits {
    /// The shortest decimal `digits × 10^exponent` of a finite, positive `Float`.
    static func decimal(_ value: Float) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let fraction = bits & 0x7F_FFFF
        let biased = Int(bits >> 23 & 0xFF)
        var c: UInt64
        let q: Int
        if biased != 0 {
            c = UInt64(fraction | 0x80_0000)
            q = biased - 150
            // Small integers: exact, no search needed.
            if q <= 0, -q < 24, c & ((1 << UInt64(-q)) - 1) == 0 {
                return (c >> UInt64(-q), 0)
            }
        } else {
            c = UInt64(fraction)
            q = 1 - 150
        }
        let isEven = c & 1 == 0
        let lowerIsCloser = fraction == 0 && biased > 1
        let cbl = 4 * c - 2 + (lowerIsCloser ? 1 : 0)
        let cb = 4 * c
        let cbr = 4 * c + 2
        // floor(log10(2^q)) or floor(log10(3/4 * 2^q)).
        let k = (q * 1_262_611 - (lowerIsCloser ? 524_031 : 0)) >> 22
        let h = q + floorLog2Pow10(-k) + 1
        let g = schubfachPowersOfTen64.withUnsafeBufferPointer { $0[-k + 31] }
        let vbl = roundToOdd(g, cbl << UInt64(h))
        let vb = roundToOdd(g, cb << UInt64(h))
        let vbr = roundToOdd(g, cbr << UInt64(h))
        return select(vbl: vbl, vb: vb, vbr: vbr, isEven: isEven, k: k)
    }

    /// The shortest decimal `digits × 10^exponent` of a finite, positive `Double`.
    static func decimal(_ value: Double) -> (digits: UInt64, exponent: Int) {
        let bits = value.bitPattern
        let fraction = bits & 0xF_FFFF_FFFF_FFFF
        let biased = Int(bits >> 52 & 0x7FF)
        var c: UInt64
        let q: Int
        if biased != 0 {
            c = fraction | 0x10_0000_0000_0000
            q = biased - 1075
            if q <= 0, -q < 53, c & ((1 << UInt64(-q)) - 1) == 0 {
                return (c >> UInt64(-q), 0)
            }
        } else {
            c = fraction
            q = 1 - 1075
        }
        let isEven = c & 1 == 0
        let lowerIsCloser = fraction == 0 && biased > 1
        let cbl = 4 * c - 2 + (lowerIsCloser ? 1 : 0)
        let cb = 4 * c
        let cbr = 4 * c + 2
        let k = (q * 1_262_611 - (lowerIsCloser ? 524_031 : 0)) >> 22
        let h = q + floorLog2Pow10(-k) + 1
        let (gHigh, gLow) = schubfachPowersOfTen128.withUnsafeBufferPointer { table in
            (table[2 * (-k + 292)], table[2 * (-k + 292) + 1])
        }
        let vbl = roundToOdd(gHigh, gLow, cbl << UInt64(h))
        let vb = roundToOdd(gHigh, gLow, cb << UInt64(h))
        let vbr = roundToOdd(gHigh, gLow, cbr << UInt64(h))
        return select(vbl: vbl, vb: vb, vbr: vbr, isEven: isEven, k: k)
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
    @inline(__always)
    private static func select(vbl: UInt64, vb: UInt64, vbr: UInt64, isEven: Bool, k: Int) -> (digits: UInt64, exponent: Int) {
        let lower = vbl + (isEven ? 0 : 1)
        let upper = vbr - (isEven ? 0 : 1)
        let s = vb / 4
        if s >= 10 {
            let sp = s / 10
            let upInside = lower <= 40 * sp
            let wpInside = 40 * sp + 40 <= upper
            if upInside != wpInside {
                return (sp + (wpInside ? 1 : 0), k + 1)
            }
        }
        let uInside = lower <= 4 * s
        let wInside = 4 * s + 4 <= upper
        if uInside != wInside {
            return (s + (wInside ? 1 : 0), k)
        }
        let mid = 4 * s + 2
        let roundUp = vb > mid || (vb == mid && s & 1 != 0)
        return (s + (roundUp ? 1 : 0), k)
    }
}
