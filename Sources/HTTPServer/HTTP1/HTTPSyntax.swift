/// Character classes of RFC 9110 §5.6 and RFC 9112, as byte predicates.
enum HTTPSyntax {
    /// `tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
    /// / "~" / DIGIT / ALPHA` (RFC 9110 §5.6.2). Method and field names are `1*tchar`.
    @inline(__always)  // Per-byte test in the header hot loop.
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// `field-vchar = VCHAR / obs-text`, plus SP and HTAB inside a value (RFC 9110 §5.5).
    /// Rejects NUL, CR, LF, the other controls and DEL: a bare CR inside a value is refused here.
    @inline(__always)  // Per-byte test in the header hot loop.
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == 0x09
    }

    /// Bytes allowed in a request-target: VCHAR except nothing else (no SP, no controls, no
    /// obs-text). RFC 3986 is stricter still, but percent-decoding happens later.
    @inline(__always)  // Per-byte test on the request line.
    static func isTargetChar(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// Bytes allowed in a Host value: `uri-host [ ":" port ]` with reg-name, IPv4 and IP-literal
    /// (RFC 3986 §3.2.2): unreserved, pct-encoded, sub-delims, `:`, `[`, `]`.
    static func isHostChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
            true
        default:
            false
        }
    }

    /// `OWS = *( SP / HTAB )`.
    @inline(__always)  // Trimming values, per byte.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// ASCII case-insensitive equality of `bytes` with a lowercase ASCII `literal`.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for index in 0..<bytes.count where asciiLowercased(bytes[index]) != expected[index] {
            return false
        }
        return true
    }

    /// Splits a comma-separated list (RFC 9110 §5.6.1), trimming OWS and dropping empty elements,
    /// and returns the elements lowercased.
    static func lowercasedListElements(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { element in
            let trimmed = element.utf8.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(decoding: trimmed.map(asciiLowercased), as: UTF8.self)
        }
    }
}
