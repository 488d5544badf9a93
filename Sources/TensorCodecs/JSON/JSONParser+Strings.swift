extension JSONParser {
    /// Reads a string token at `pos` (the opening quote) and returns its decoded value.
    ///
    /// Fast path: printable ASCII without escapes is decoded in one go. Otherwise the bytes are
    /// copied with escapes decoded and UTF-8 validated strictly (Unicode Table 3-7: no overlong
    /// forms, no encoded surrogates, nothing above U+10FFFF).
    mutating func readString() throws(JSONParseError) -> String {
        pos += 1
        let start = pos
        while pos < bytes.count {
            let byte = bytes[pos]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return text
            }
            if byte < 0x20 || byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            pos += 1
        }
        var decoded: [UInt8] = Array(bytes[start..<pos])
        while pos < bytes.count {
            let byte = bytes[pos]
            switch byte {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try readEscape(into: &decoded)
            case 0..<0x20:
                throw error(.controlCharacterInString)
            case 0x80...:
                try copyUTF8Sequence(into: &decoded)
            default:
                decoded.append(byte)
                pos += 1
            }
        }
        throw error(.unexpectedEnd)
    }

    /// Decodes the escape at `pos` (the backslash).
    private mutating func readEscape(into decoded: inout [UInt8]) throws(JSONParseError) {
        guard pos + 1 < bytes.count else { throw error(.unexpectedEnd) }
        let escaped = bytes[pos + 1]
        let simple: UInt8
        switch escaped {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            let escapeStart = pos
            pos += 2
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                else { throw JSONParseError(kind: .invalidUnicodeEscape, offset: escapeStart, pointer: pointer()) }
                pos += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONParseError(kind: .invalidUnicodeEscape, offset: escapeStart, pointer: pointer())
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONParseError(kind: .invalidUnicodeEscape, offset: escapeStart, pointer: pointer())
            }
            appendUTF8(scalar, to: &decoded)
            return
        default:
            throw error(.invalidEscape)
        }
        decoded.append(simple)
        pos += 2
    }

    /// Reads four hex digits at `pos`.
    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw error(.unexpectedEnd) }
            let byte = bytes[pos]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidUnicodeEscape)
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to decoded: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            decoded.append(UInt8(scalar))
        case 0x80..<0x800:
            decoded.append(UInt8(0xC0 | scalar >> 6))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            decoded.append(UInt8(0xE0 | scalar >> 12))
            decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        default:
            decoded.append(UInt8(0xF0 | scalar >> 18))
            decoded.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            decoded.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `pos` (Unicode Table 3-7) and copies it.
    private mutating func copyUTF8Sequence(into decoded: inout [UInt8]) throws(JSONParseError) {
        let lead = bytes[pos]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error(.invalidUTF8)
        }
        guard pos + length <= bytes.count else { throw error(.invalidUTF8) }
        guard secondRange.contains(bytes[pos + 1]) else { throw error(.invalidUTF8) }
        for i in 2..<length where !(0x80...0xBF).contains(bytes[pos + i]) {
            throw error(.invalidUTF8)
        }
        decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pos..<(pos + length)]))
        pos += length
    }
}
