/// A strict RFC 8259 JSON reader that packs numeric arrays into contiguous storage.
///
/// - Grammar: exactly RFC 8259. Rejected: leading zeros, `+1`, `.5`, `1.`, trailing commas,
///   single quotes, comments, unescaped control characters in strings, invalid escapes, lone or
///   misordered `\u` surrogates, ill-formed UTF-8 anywhere, anything after the top-level value,
///   an empty document. Whitespace is space, tab, CR, LF only.
/// - Extension (on by default, ``Options/allowNonFiniteLiterals``): the bare literals `NaN`,
///   `Infinity` and `-Infinity`, as Python's `json.dumps` writes them (API.md).
///   The strings `"nan"`, `"inf"`, ... stay strings here; ``TensorDecoding`` interprets them.
/// - Numbers: correctly rounded to `Double` ( ``JSONNumber`` ); magnitudes beyond the double
///   range become ±infinity and tiny ones ±0 or subnormals, as in Python.
/// - Arrays of numbers, and arrays of such arrays with one shape, become one ``NumberArray``
///   each (one allocation per tensor, none per element).
/// - Nesting is limited (``Options/maxDepth``); the reader is iterative, so no input can
///   overflow the stack.
/// - Errors carry the byte offset and the JSON pointer of the value being read.
public enum JSONReader {
    /// Reader settings.
    public struct Options: Sendable {
        /// Deepest nesting of arrays and objects accepted (the root array is depth 1).
        public var maxDepth: Int
        /// Accept the bare literals `NaN`, `Infinity`, `-Infinity` (Python's spelling).
        public var allowNonFiniteLiterals: Bool
        /// Reject objects that repeat a member name (RFC 8259 leaves duplicates undefined;
        /// lossd refuses to guess). When `false`, ``JSONObject/subscript(_:)`` returns the last.
        public var rejectDuplicateKeys: Bool
        /// Most values (numbers, strings, literals, arrays, objects) the document may hold, checked
        /// as they are read, so that memory is refused before it is spent: a number costs 9 bytes
        /// in the reader and more once decoded, far more than its two bytes of text (`0,`).
        public var maxValues: Int

        /// Creates options; the defaults are what lossd uses.
        public init(
            maxDepth: Int = 512, allowNonFiniteLiterals: Bool = true, rejectDuplicateKeys: Bool = true,
            maxValues: Int = .max
        ) {
            self.maxDepth = maxDepth
            self.allowNonFiniteLiterals = allowNonFiniteLiterals
            self.rejectDuplicateKeys = rejectDuplicateKeys
            self.maxValues = maxValues
        }
    }

    /// Parses one JSON document.
    /// - Throws: ``JSONParseError`` with the offset and pointer of the first problem.
    /// - Complexity: O(n) time; memory proportional to the document.
    public static func parse(_ bytes: [UInt8], options: Options = Options()) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSONValue in
                var parser = JSONParser(buffer, options: options)
                return try parser.parseDocument()
            }
        }
        return try result.get()
    }

    /// Parses one JSON document held in raw memory (for example a slice of a request body).
    /// - Throws: ``JSONParseError`` with the offset and pointer of the first problem.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: Options = Options()) throws(JSONParseError) -> JSONValue {
        let typed = bytes.assumingMemoryBound(to: UInt8.self)
        var parser = JSONParser(typed, options: options)
        return try parser.parseDocument()
    }
}
