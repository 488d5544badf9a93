/// An HTTP content coding that lossd can apply to a body ([RFC 9110 §8.4.1]).
///
/// - `gzip`: the gzip file format of [RFC 1952] (`x-gzip` is read as `gzip`, §8.4.1.3).
/// - `deflate`: the **zlib** format of [RFC 1950] wrapping a deflate stream, as RFC 9110 §8.4.1.2
///   defines it. A raw deflate stream sent as `deflate` is rejected as corrupt (no sniffing).
/// - `identity`: no transformation.
///
/// [RFC 9110 §8.4.1]: https://www.rfc-editor.org/rfc/rfc9110#section-8.4.1
/// [RFC 1952]: https://www.rfc-editor.org/rfc/rfc1952
/// [RFC 1950]: https://www.rfc-editor.org/rfc/rfc1950
public enum ContentCoding: String, Sendable, Hashable, CaseIterable {
    case gzip
    case deflate
    case identity

    /// The token to write in `Content-Encoding` (`gzip`, `deflate`, `identity`).
    public var token: String { rawValue }

    /// The value to send in `Accept-Encoding` on a 415 response (RFC 9110 §15.5.16): the codings
    /// lossd can decode in request bodies.
    public static let acceptedRequestCodings = "gzip, deflate"

    /// Reads a request's `Content-Encoding` field value.
    ///
    /// A missing or empty value and `identity` give `.identity`; `gzip`, `x-gzip` and `deflate` are
    /// matched case-insensitively with surrounding whitespace ignored. A list of codings
    /// (`gzip, gzip`) or an unknown coding (`br`) gives `nil`, which the server answers with 415
    /// and `Accept-Encoding: gzip, deflate`: stacked codings are refused deliberately, so the
    /// decompressed-size cap applies to exactly one inflation.
    public init?(contentEncoding value: String?) {
        guard let value else {
            self = .identity
            return
        }
        switch CodingFieldLexer.lowercasedTrimmingWhitespace(value) {
        case "", "identity": self = .identity
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        default: return nil
        }
    }

    /// The compressed stream format that implements this coding, or `nil` for `identity`.
    public var format: CompressionFormat? {
        switch self {
        case .gzip: .gzip
        case .deflate: .zlib
        case .identity: nil
        }
    }
}

/// The container around a deflate stream, as zlib's `windowBits` selects it.
public enum CompressionFormat: Sendable, Hashable, CaseIterable {
    /// RFC 1952 gzip: 10-byte header, deflate data, CRC-32 and size trailer. HTTP `gzip`.
    case gzip
    /// RFC 1950 zlib: 2-byte header, deflate data, Adler-32 trailer. HTTP `deflate`.
    case zlib
    /// RFC 1951 deflate data with no header or checksum. Not an HTTP coding; offered for callers
    /// that frame their own data.
    case rawDeflate

    /// zlib's `windowBits` for a 32 KiB window in this container (`+16` selects gzip, negative
    /// selects raw deflate).
    var windowBits: Int32 {
        switch self {
        case .gzip: 15 + 16
        case .zlib: 15
        case .rawDeflate: -15
        }
    }
}

/// ASCII lexing for the coding header fields (`Content-Encoding`, `Accept-Encoding`); non-ASCII
/// bytes are never altered.
enum CodingFieldLexer {
    /// `value` without leading/trailing SP and HTAB (RFC 9110 OWS), with A–Z mapped to a–z.
    static func lowercasedTrimmingWhitespace(_ value: some StringProtocol) -> String {
        var bytes = Array(value.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
        let lowered = bytes[start...].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        return String(decoding: lowered, as: UTF8.self)
    }

    /// Whether `byte` is an RFC 9110 `tchar` (the characters of a token).
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
