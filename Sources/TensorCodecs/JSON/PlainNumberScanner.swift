/// The fast path of tensor parsing: reads a number spelled the plain way that Python's `json`,
/// orjson and lossd itself write (`-0.27413785457611084`, `3`, `2.1619251e-05`), with at most
/// 19 digits, and gives up (returns `nil`) on anything else, which ``JSONParser/readNumber()``
/// then reads in full, with its errors.
///
/// Digits are found and converted eight at a time in 64-bit words (SWAR), with no branch on the
/// number of digits, because the digit counts of random floats (16 or 17 in a `float32` written
/// as a Python float) are what the branch predictor cannot guess. Every load reads up to
/// ``lookahead`` bytes from the start of the number, which the caller guarantees are there.
struct PlainNumberScanner {
    /// Bytes that must be readable from the start of a number.
    static let lookahead = 64

    private let decimal = DecimalToDouble()
    private let powersOfTen: [UInt64] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000, 10_000_000, 100_000_000]

    /// A plainly spelled number and the bytes it took.
    struct Number {
        var value: Double
        /// Spelled without a fraction or an exponent.
        var isInteger: Bool
        var length: Int
    }

    /// The number at `start`, or `nil` when it is not spelled plainly: no digit after the sign
    /// (`-Infinity`, an error), a leading zero, eight or more integer digits, more than 19
    /// digits in all, no digit after `.` or after the exponent mark, or an exponent of more than
    /// four digits. The byte after the number is not looked at.
    @inline(__always)  // The per-element body of the tensor fast path.
    func scan(_ start: UnsafePointer<UInt8>) -> Number? {
        var p = start
        let negative = p[0] == UInt8(ascii: "-")
        p += negative ? 1 : 0
        let integerWord = Self.load(p)
        let integerDigits = Self.digitRunLength(integerWord)
        guard integerDigits > 0, integerDigits < 8, p[0] != UInt8(ascii: "0") || integerDigits == 1 else { return nil }
        var mantissa = Self.value(ofDigits: integerWord, count: integerDigits)
        p += integerDigits
        var exponent = 0
        var isInteger = true
        if p[0] == UInt8(ascii: ".") {
            isInteger = false
            p += 1
            let first = Self.load(p)
            let second = Self.load(p + 8)
            let third = Self.load(p + 16)
            // A word's digits count only when every word before it was all digits (x >> 3 is 1
            // for 8 digits, else 0: a multiplication, where a conditional compiles to a branch).
            let a = Self.digitRunLength(first)
            let b = Self.digitRunLength(second) * (a >> 3)
            let c = Self.digitRunLength(third) * (b >> 3)
            let fractionDigits = a + b + c
            guard a > 0, c < 8, integerDigits + fractionDigits <= 19 else { return nil }
            powersOfTen.withUnsafeBufferPointer { tens in
                mantissa = mantissa &* tens[a] &+ Self.value(ofDigits: first, count: a)
                mantissa = mantissa &* tens[b] &+ Self.value(ofDigits: second, count: b)
                mantissa = mantissa &* tens[c] &+ Self.value(ofDigits: third, count: c)
            }
            exponent = -fractionDigits
            p += fractionDigits
        }
        if p[0] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            p += 1
            let exponentNegative = p[0] == UInt8(ascii: "-")
            p += exponentNegative || p[0] == UInt8(ascii: "+") ? 1 : 0
            let word = Self.load(p)
            let count = Self.digitRunLength(word)
            guard count > 0, count <= 4 else { return nil }
            let explicit = Int(Self.value(ofDigits: word, count: count))
            exponent += exponentNegative ? -explicit : explicit
            p += count
        }
        // The sign goes in by bit operations: a conditional negation compiles to a branch that
        // random signs defeat.
        let magnitude = decimal.value(w: mantissa, q: exponent)
        let value = Double(bitPattern: magnitude.bitPattern | UInt64(negative ? 1 : 0) << 63)
        return Number(value: value, isInteger: isInteger, length: p - start)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// How many of the word's bytes, from the first (lowest), are ASCII digits before the first
    /// byte that is not (8 when all are).
    @inline(__always)
    static func digitRunLength(_ word: UInt64) -> Int {
        // Digits become 0...9. A byte is not a digit when its top bit is set or its low seven
        // bits plus 0x76 reach 0x80 (no carry leaves a byte: 0x7F + 0x76 < 0x100).
        let t = word ^ 0x3030_3030_3030_3030
        let notDigit = (((t & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080
        return notDigit.trailingZeroBitCount >> 3
    }

    /// The value of the first `count` (0...8) bytes of `word`, which are ASCII digits, the
    /// first one the most significant (fast_float's `parse_eight_digits_unrolled`, after
    /// shifting the digits to the top so the bytes after them drop out and zeros lead).
    @inline(__always)
    static func value(ofDigits word: UInt64, count: Int) -> UInt64 {
        // Two shifts of up to 32 bits each, so that a count of 0 shifts everything out.
        let half = UInt64(4 * (8 - count))
        var v = ((word &- 0x3030_3030_3030_3030) &<< half) &<< half
        v = (v &* 10) &+ (v >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        v = ((v & mask) &* 0x000F_4240_0000_0064 &+ ((v >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
        return v & 0xFFFF_FFFF
    }
}
