extension JSONParser {
    /// Reads a number token at `pos` (a `-` or a digit), including `-Infinity` when non-finite
    /// literals are allowed.
    ///
    /// Grammar (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`. Up to 19
    /// significant digits are accumulated in a `UInt64`; later digits only move the exponent
    /// (and mark the value truncated). ``DecimalToDouble`` rounds correctly.
    @inline(__always)  // The per-element body of numeric arrays; inlining keeps the scan in registers.
    mutating func readNumber() throws(JSONParseError) -> (Double, isInteger: Bool) {
        let start = pos
        let count = bytes.count
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
            if pos < count, bytes[pos] == UInt8(ascii: "I"), options.allowNonFiniteLiterals {
                try expectWord("Infinity")
                return (-.infinity, false)
            }
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var truncated = false
        var isInteger = true

        // Integer part.
        guard pos < count, bytes[pos] &- UInt8(ascii: "0") < 10 else { throw numberError(start) }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < count, bytes[pos] &- UInt8(ascii: "0") < 10 {
                throw JSONParseError(kind: .leadingZero, offset: start, pointer: pointer())
            }
        } else {
            while pos < count {
                let d = bytes[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exponent += 1
                    if d != 0 { truncated = true }
                }
                pos += 1
            }
        }
        // Fraction.
        if pos < count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            let fractionStart = pos
            while pos < count {
                let d = bytes[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if mantissa == 0 && d == 0 {
                    exponent -= 1  // leading zeros are not significant
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                pos += 1
            }
            guard pos > fractionStart else { throw numberError(start) }
        }
        // Exponent.
        if pos < count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            var exponentNegative = false
            if pos < count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
                exponentNegative = bytes[pos] == UInt8(ascii: "-")
                pos += 1
            }
            let exponentStart = pos
            var explicit = 0
            while pos < count {
                let d = bytes[pos] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if explicit < 100_000_000 { explicit = explicit * 10 + Int(d) }  // saturates
                pos += 1
            }
            guard pos > exponentStart else { throw numberError(start) }
            exponent += exponentNegative ? -explicit : explicit
        }
        let magnitude = DecimalToDouble.value(w: mantissa, q: exponent, truncated: truncated)
            ?? DecimalToDouble.strtodValue(UnsafeBufferPointer(rebasing: bytes[(negative ? start + 1 : start)..<pos]))
        return (negative ? -magnitude : magnitude, isInteger)
    }

    /// An invalid-number error: at the end of the input, the document ended; otherwise the
    /// token is malformed.
    private func numberError(_ start: Int) -> JSONParseError {
        JSONParseError(kind: pos < bytes.count ? .invalidNumber : .unexpectedEnd, offset: pos, pointer: pointer())
    }
}
