/// The path and query of a request-target (RFC 9112 §3.2), percent-decoded.
///
/// Origin-form (`/a/b?x=1`) is the normal case; an absolute-form target
/// (`http://host/a?x=1`, RFC 9112 §3.2.2) is reduced to its path and query; the asterisk-form
/// `*` keeps `*` as its path. Invalid percent escapes (`%zz`, a trailing `%`) are kept verbatim
/// rather than rejected, and decoded bytes that are not valid UTF-8 are repaired with U+FFFD.
struct RequestTarget: Sendable {
    /// The decoded path.
    var path: String
    /// The decoded query parameters in order.
    var query: [(name: String, value: String)]

    init(_ target: String) {
        var bytes = Array(target.utf8)
        if let fragment = bytes.firstIndex(of: UInt8(ascii: "#")) {
            bytes.removeSubrange(fragment...)
        }
        bytes = Self.stripSchemeAndAuthority(bytes)
        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = bytes[..<(queryStart ?? bytes.endIndex)]
        path = Self.percentDecoded(pathBytes, plusIsSpace: false)
        query = []
        guard let queryStart else { return }
        for pair in bytes[(queryStart + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                query.append((
                    name: Self.percentDecoded(pair[..<equals], plusIsSpace: true),
                    value: Self.percentDecoded(pair[(equals + 1)...], plusIsSpace: true)
                ))
            } else {
                query.append((name: Self.percentDecoded(pair, plusIsSpace: true), value: ""))
            }
        }
    }

    /// `http://host:80/p?q` becomes `/p?q`; `http://host` becomes `/`; anything else unchanged.
    private static func stripSchemeAndAuthority(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.first != UInt8(ascii: "/"), let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes[colon...].starts(with: "://".utf8)
        else { return bytes }
        let authorityStart = colon + 3
        guard let pathStart = bytes[authorityStart...].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else {
            return Array("/".utf8)
        }
        let rest = Array(bytes[pathStart...])
        return rest.first == UInt8(ascii: "?") ? Array("/".utf8) + rest : rest
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`).
    static func percentDecoded(_ bytes: ArraySlice<UInt8>, plusIsSpace: Bool) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), bytes.endIndex - index >= 3,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The value of one hexadecimal digit, or `nil` when `byte` is not `0-9a-fA-F`.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
