/// Writes numbers as JSON: integers plainly, and finite floating-point numbers with the shortest round-trip digits
/// (``ShortestDigits``), laid out so that every number reads back as a float (`3.0`, never `3`)
/// and exactly as Python prints it:
///
/// - `Double` as `repr(float)`: fixed notation when the decimal point position `p`
///   (value = 0.DIGITS × 10^p) satisfies -4 < p <= 16 (`0.001`, `3.0`, `1000000000000000.0`),
///   otherwise scientific (`1e-05`, `1.5e+16`);
/// - `Float` as `str(numpy.float32)`: scientific when |v| < 1e-4 or |v| >= 1e6 (`1e+06`,
///   `1.1584356e+06`), fixed otherwise;
/// - exponents signed, with at least two digits.
///
/// An instance holds its tables in stored properties (no lazy-global check per number); make
/// one per block of numbers.
struct NumberSpelling {
    private let shortest = ShortestDigits()
    private let pairs = Self.digitPairs
    private let powers = Self.powersOfTen

    /// The longest spelling: `-2.2250738585072014e-308`.
    static let maxLength = 24

    /// Two ASCII digits for each of 0...99.
    private static let digitPairs: [UInt8] = (0..<100).flatMap { (n: Int) -> [UInt8] in
        [UInt8(48 + n / 10), UInt8(48 + n % 10)]
    }

    /// 10^0 ... 10^19.
    private static let powersOfTen: [UInt64] = (0..<20).map { (n: Int) -> UInt64 in
        (0..<n).reduce(UInt64(1)) { r, _ in r * 10 }
    }

    /// Writes a finite `Double` at `out` (room for ``maxLength`` bytes); returns the length.
    @inline(__always)  // Per element of every written float64 tensor.
    func write(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value == 0 { return writeZero(negative: value.sign == .minus, to: out) }
        let (digits, exponent) = shortest.decimal(value.magnitude)
        return spell(negative: value < 0, digits: digits, exponent: exponent, scientific: nil, to: out)
    }

    /// Writes a finite `Float` at `out` (room for ``maxLength`` bytes); returns the length.
    @inline(__always)  // Per element of every written float32 tensor.
    func write(_ value: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value == 0 { return writeZero(negative: value.sign == .minus, to: out) }
        let (digits, exponent) = shortest.decimal(value.magnitude)
        let magnitude = Double(value.magnitude)
        let scientific = magnitude < 1e-4 || magnitude >= 1e6
        return spell(negative: value < 0, digits: digits, exponent: exponent, scientific: scientific, to: out)
    }

    /// Writes an integer at `out` (room for ``maxLength`` bytes); returns the length.
    func write(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            p = 1
        }
        let magnitude = value.magnitude
        let count = digitCount(magnitude)
        writeDigits(magnitude, count: count, to: out + p)
        return p + count
    }

    /// The number of decimal digits of `value` (1 for 0): log10 from the bit length
    /// (1233 / 4096 ≈ log10(2)), corrected by one comparison.
    @inline(__always)
    private func digitCount(_ value: UInt64) -> Int {
        let bits = 64 - (value | 1).leadingZeroBitCount
        let guess = (bits * 1233) >> 12  // floor(log10(2^bits)), the count or one less
        return powers.withUnsafeBufferPointer { max(1, guess + (value >= $0[guess] ? 1 : 0)) }
    }

    private func writeZero(negative: Bool, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = 0
        if negative {
            out[0] = UInt8(ascii: "-")
            p = 1
        }
        out[p] = UInt8(ascii: "0")
        out[p + 1] = UInt8(ascii: ".")
        out[p + 2] = UInt8(ascii: "0")
        return p + 3
    }

    /// Lays out `digits × 10^exponent` (digits > 0), in scientific notation when `scientific`
    /// says so or, when it is `nil`, by `repr`'s rule on the decimal point position.
    @inline(__always)  // Per written number; a call with five arguments costs ~10% of the work.
    private func spell(
        negative: Bool, digits: UInt64, exponent: Int, scientific: Bool?, to out: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var digits = digits
        var exponent = exponent
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        let count = digitCount(digits)
        var p = 0
        if negative {
            out[0] = UInt8(ascii: "-")
            p = 1
        }
        // Digits go straight to their place in `out`; word stores may run up to 8 bytes past
        // them, within the ``maxLength`` room (at most 6 + 17 bytes are touched).
        let point = exponent + count  // value = 0.DIGITS × 10^point
        if !(scientific ?? (point <= -4 || point > 16)) {
            if point <= 0 {
                // 0.000DDD (at most three zeros after the point).
                out[p] = UInt8(ascii: "0")
                out[p + 1] = UInt8(ascii: ".")
                p += 2
                for _ in 0..<(-point) {
                    out[p] = UInt8(ascii: "0")
                    p += 1
                }
                writeDigits(digits, count: count, to: out + p)
                return p + count
            }
            if point >= count {
                // DDD000.0
                writeDigits(digits, count: count, to: out + p)
                p += count
                for _ in 0..<(point - count) {
                    out[p] = UInt8(ascii: "0")
                    p += 1
                }
                out[p] = UInt8(ascii: ".")
                out[p + 1] = UInt8(ascii: "0")
                return p + 2
            }
            // DD.DDD: written one place to the right, then the integer digits moved back.
            writeDigits(digits, count: count, to: out + p + 1)
            for i in 0..<point { out[p + i] = out[p + i + 1] }
            out[p + point] = UInt8(ascii: ".")
            return p + count + 1
        }
        // D.DDDe±XX
        writeDigits(digits, count: count, to: out + p + 1)
        out[p] = out[p + 1]
        if count > 1 {
            out[p + 1] = UInt8(ascii: ".")
            p += count + 1
        } else {
            p += 1
        }
        out[p] = UInt8(ascii: "e")
        var e = point - 1
        out[p + 1] = e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        e = abs(e)
        p += 2
        if e >= 100 {
            out[p] = UInt8(48 + e / 100)
            e %= 100
            p += 1
        }
        pairs.withUnsafeBufferPointer { pairs in
            out[p] = pairs[2 * e]
            out[p + 1] = pairs[2 * e + 1]
        }
        return p + 2
    }

    /// Writes the `count` decimal digits of `value` at `text[0..<count]`, eight at a time
    /// (``eightDigits(_:)``). Stores whole words: bytes up to `text[7]` may be overwritten even
    /// when `count < 8`, so callers leave that room.
    @inline(__always)
    private func writeDigits(_ value: UInt64, count: Int, to text: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(text)
        if count <= 8 {
            raw.storeBytes(of: (Self.eightDigits(value) >> UInt64(8 * (8 - count))).littleEndian, as: UInt64.self)
            return
        }
        let low = value % 100_000_000
        var high = value / 100_000_000
        var lead = count - 8  // digits of `high`
        if lead > 8 {
            // 17 to 20 digits: the leading 1 to 4 one at a time.
            let top = Int(high / 100_000_000)
            high %= 100_000_000
            let topCount = lead - 8
            var t = top
            for i in stride(from: topCount - 1, through: 0, by: -1) {
                text[i] = UInt8(48 + t % 10)
                t /= 10
            }
            (raw + topCount).storeBytes(of: Self.eightDigits(high).littleEndian, as: UInt64.self)
            lead = 8 + topCount
        } else {
            raw.storeBytes(of: (Self.eightDigits(high) >> UInt64(8 * (8 - lead))).littleEndian, as: UInt64.self)
        }
        (raw + lead).storeBytes(of: Self.eightDigits(low).littleEndian, as: UInt64.self)
    }

    /// The eight ASCII digits of `value` < 10^8 (leading zeros included), first digit in the
    /// lowest byte, computed in parallel lanes (split into 4+4 digits, then 2+2, then 1+1,
    /// with multiply-shift divisions exact in these ranges).
    @inline(__always)
    private static func eightDigits(_ value: UInt64) -> UInt64 {
        var x = (value / 10_000) | (value % 10_000) << 32
        let hundreds = ((x &* 10_486) >> 20) & 0x0000_007F_0000_007F  // n / 100 for n < 10^4
        x = hundreds | (x &- hundreds &* 100) << 16
        let tens = ((x &* 103) >> 10) & 0x000F_000F_000F_000F  // n / 10 for n < 100
        x = tens | (x &- tens &* 10) << 8
        return x | 0x3030_3030_3030_3030
    }
}
