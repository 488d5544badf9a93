/// Why a document is not JSON (RFC 8259), where: the byte offset and the JSON pointer
/// (RFC 6901) of the value being read when the reader stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// The document ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot start or continue the expected token.
        case unexpectedCharacter(UInt8)
        /// A number that breaks the grammar (`-`, `1.`, `1e`, `+1`, `.5`).
        case invalidNumber
        /// A number with a superfluous leading zero (`01`, `-00.5`).
        case leadingZero
        /// A comma directly before `]` or `}`.
        case trailingComma
        /// An unescaped control character (U+0000 to U+001F) inside a string.
        case controlCharacterInString
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\u` escape that is not four hex digits, or a lone or misordered UTF-16 surrogate.
        case invalidUnicodeEscape
        /// Bytes that are not well-formed UTF-8 (overlong forms, surrogates, > U+10FFFF, ...).
        case invalidUTF8
        /// Non-whitespace after the top-level value.
        case trailingCharacters
        /// Arrays and objects nested deeper than the configured limit.
        case nestingTooDeep(limit: Int)
        /// An object repeats a member name (rejected unless the reader is told to keep the last).
        case duplicateKey(String)
        /// The document holds more values than the configured limit.
        case tooManyValues(limit: Int)
    }

    /// What is wrong.
    public var kind: Kind
    /// Byte offset in the document where the problem was detected.
    public var offset: Int
    /// JSON pointer (RFC 6901, `~0`/`~1` escaped) of the value being read; `""` is the root.
    public var pointer: String

    /// Creates an error.
    public init(kind: Kind, offset: Int, pointer: String) {
        self.kind = kind
        self.offset = offset
        self.pointer = pointer
    }

    /// A one-line explanation for a problem+json `detail`, e.g.
    /// `invalid escape in string at byte 17 (/input/3)`.
    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEnd: what = "unexpected end of document"
        case .unexpectedCharacter(let byte):
            what = (0x21...0x7E).contains(byte)
                ? "unexpected character '\(Character(Unicode.Scalar(byte)))'"
                : "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))"
        case .invalidNumber: what = "invalid number"
        case .leadingZero: what = "number with a leading zero"
        case .trailingComma: what = "trailing comma"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidEscape: what = "invalid escape in string"
        case .invalidUnicodeEscape: what = "invalid \\u escape or lone surrogate in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .trailingCharacters: what = "unexpected data after the JSON value"
        case .nestingTooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .duplicateKey(let key): what = "duplicate member name \"\(key)\""
        case .tooManyValues(let limit): what = "more than \(limit) values"
        }
        return "\(what) at byte \(offset)" + (pointer.isEmpty ? "" : " (\(pointer))")
    }
}
