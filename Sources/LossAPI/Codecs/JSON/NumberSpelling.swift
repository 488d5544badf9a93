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
enum NumberSpelling {
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
    static func write(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value == 0 { return writeZero(negative: value.sign == .minus, to: out) }
        let (digits, exponent) = ShortestDigits.decimal(value.magnitude)
        return spell(negative: value < 0, digits: digits, exponent: exponent, scientific: nil, to: out)
    }

    /// Writes a finite `Float` at `out` (room for ``maxLength`` bytes); returns the length.
    @inline(__always)  // Per element of every written float32 tensor.
    static func write(_ value: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if value == 0 { return writeZero(negative: value.sign == .minus, to: out) }
        let (digits, exponent) = ShortestDigits.decimal(value.magnitude)
        let magnitude = Double(value.magnitude)
        let scientific = magnitude < 1e-4 || magnitude >= 1e6
        return spell(negative: value < 0, digits: digits, exponent: exponent, scientific: scientific, to: out)
    }

    /// Writes an integer at `out` (room for ``maxLength`` bytes); returns the length.
    static func write(_ value: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = 0
        if value < 0 {
            out[0] = UInt8(ascii: "-")
            p = 1
        }
        let magnitude = value.magnitude
        var count = 1
        powersOfTen.withUnsafeBufferPointer { powers in
            while count < 20, magnitude >= powers[count] { count += 1 }
        }
        writeDigits(magnitude, count: count, to: out + p)
        return p + count
    }

    private static func writeZero(negative: Bool, to out: UnsafeMutablePointer<UInt8>) -> Int {
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
    private static func spell(
        negative: Bool, digits: UInt64, exponent: Int, scientific: Bool?, to out: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var digits = digits
        var exponent = exponent
        while digits % 10 == 0 {
            digits /= 10
            exponent += 1
        }
        var count = 1
        powersOfTen.withUnsafeBufferPointer { powers in
            while count < 20, digits >= powers[count] { count += 1 }
        }
        // The digits, written right to left into a scratch area two pairs at a time.
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw -> Int in
            let text = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            writeDigits(digits, count: count, to: text)
            var p = 0
            if negative {
                out[0] = UInt8(ascii: "-")
                p = 1
            }
            let point = exponent + count  // value = 0.DIGITS × 10^point
            if !(scientific ?? (point <= -4 || point > 16)) {
                if point <= 0 {
                    out[p] = UInt8(ascii: "0")
                    out[p + 1] = UInt8(ascii: ".")
                    p += 2
                    for _ in 0..<(-point) {
                        out[p] = UInt8(ascii: "0")
                        p += 1
                    }
                    (out + p).update(from: text, count: count)
                    return p + count
                }
                if point >= count {
                    (out + p).update(from: text, count: count)
                    p += count
                    for _ in 0..<(point - count) {
                        out[p] = UInt8(ascii: "0")
                        p += 1
                    }
                    out[p] = UInt8(ascii: ".")
                    out[p + 1] = UInt8(ascii: "0")
                    return p + 2
                }
                (out + p).update(from: text, count: point)
                p += point
                out[p] = UInt8(ascii: ".")
                (out + p + 1).update(from: text + point, count: count - point)
                return p + 1 + count - point
            }
            out[p] = text[0]
            p += 1
            if count > 1 {
                out[p] = UInt8(ascii: ".")
                (out + p + 1).update(from: text + 1, count: count - 1)
                p += count
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
            digitPairs.withUnsafeBufferPointer { pairs in
                out[p] = pairs[2 * e]
                out[p + 1] = pairs[2 * e + 1]
            }
            return p + 2
        }
    }

    /// Writes the `count` decimal digits of `value` at `text[0..<count]`.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, count: Int, to text: UnsafeMutablePointer<UInt8>) {
        var value = value
        var end = count
        digitPairs.withUnsafeBufferPointer { pairs in
            while end >= 2 {
                let pair = Int(value % 100)
                value /= 100
                text[end - 2] = pairs[2 * pair]
                text[end - 1] = pairs[2 * pair + 1]
                end -= 2
            }
            if end == 1 { text[0] = UInt8(48 + value) }
        }
    }
}
