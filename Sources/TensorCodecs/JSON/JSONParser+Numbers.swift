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
            while digits <= 11, let eight = eightDigits(at: pos) {
                mantissa = mantissa &* 100_000_000 &+ eight
                digits += 8
                pos += 8
            }
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
            if mantissa == 0 {
                // Leading zeros are not significant.
                while pos < count, bytes[pos] == UInt8(ascii: "0") { pos += 1 }
                exponent -= pos - fractionStart
            }
            while digits <= 11, let eight = eightDigits(at: pos) {
                mantissa = mantissa &* 100_000_000 &+ eight
                digits += 8
                exponent -= 8
                pos += 8
            }
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
        let magnitude = decimal.value(w: mantissa, q: exponent, truncated: truncated)
            ?? DecimalToDouble.strtodValue(UnsafeBufferPointer(rebasing: bytes[(negative ? start + 1 : start)..<pos]))
        return (negative ? -magnitude : magnitude, isInteger)
    }

    /// The value of the eight ASCII digits at `index`, or `nil` when fewer than eight bytes
    /// remain or any of them is not a digit (SWAR, as in fast_float's
    /// `parse_eight_digits_unrolled`: three multiplications instead of eight steps).
    @inline(__always)  // Inner loop of number scanning.
    private func eightDigits(at index: Int) -> UInt64? {
        guard index + 8 <= bytes.count else { return nil }
        let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
        // Every byte in 0x30...0x39: high nibble 3, and adding 6 does not carry into it.
        let high = word & 0xF0F0_F0F0_F0F0_F0F0
        let carried = (word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0
        guard high | (carried >> 4) == 0x3333_3333_3333_3333 else { return nil }
        var v = word &- 0x3030_3030_3030_3030
        v = (v &* 10) &+ (v >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        v = ((v & mask) &* 0x000F_4240_0000_0064 &+ ((v >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
        return v & 0xFFFF_FFFF
    }

    /// An invalid-number error: at the end of the input, the document ended; otherwise the
    /// token is malformed.
    private func numberError(_ start: Int) -> JSONParseError {
        JSONParseError(kind: pos < bytes.count ? .invalidNumber : .unexpectedEnd, offset: pos, pointer: pointer())
    }
}

extension JSONParser {
    /// Reads, in bulk, the numbers of a run that ``PlainNumberScanner`` reads and that a comma
    /// (and at most one space) and another number follow, while ``PlainNumberScanner/lookahead``
    /// bytes remain. Leaves `pos` at the first number it did not take, for ``readNumber()``.
    mutating func readPlainNumbers(count: inout Int, allIntegers: inout Bool) {
        guard let base = bytes.baseAddress, pos <= bytes.count - PlainNumberScanner.lookahead else { return }
        let limit = bytes.count - PlainNumberScanner.lookahead
        let chunk = 512
        var p = pos
        // Chunks of values and flags in two buffers, then one append to the number stack.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk) { values in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: chunk) { flags in
                var more = true
                // The value budget is checked once per chunk: a run never outgrows it by more.
                while more && valuesRead <= options.maxValues {
                    var n = 0
                    var integers = true
                    while n < chunk {
                        guard p <= limit, let number = plainNumbers.scan(base + p) else {
                            more = false
                            break
                        }
                        var next = p + number.length
                        guard base[next] == UInt8(ascii: ",") else {
                            more = false
                            break
                        }
                        next += base[next + 1] == UInt8(ascii: " ") ? 2 : 1
                        guard base[next] == UInt8(ascii: "-") || base[next] &- UInt8(ascii: "0") < 10 else {
                            more = false
                            break
                        }
                        values[n] = number.value
                        flags[n] = number.isInteger
                        integers = integers && number.isInteger
                        n += 1
                        p = next
                    }
                    numbers.append(
                        UnsafeBufferPointer(rebasing: values[..<n]), integerFlags: UnsafeBufferPointer(rebasing: flags[..<n]))
                    allIntegers = allIntegers && integers
                    count += n
                    valuesRead += n
                }
            }
        }
        pos = p
    }
}
