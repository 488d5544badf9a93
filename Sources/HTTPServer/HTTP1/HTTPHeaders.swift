/// An ordered list of HTTP header fields with case-insensitive name lookup.
///
/// Field order and duplicates are preserved exactly as received (RFC 9110 §5.3 allows a
/// recipient to combine same-named fields, but `Set-Cookie` cannot be combined, so we never do).
/// Names compare ASCII case-insensitively (RFC 9110 §5.1); values are kept verbatim, with leading
/// and trailing whitespace already stripped by the parser (RFC 9112 §5).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One header field.
    public typealias Field = (name: String, value: String)

    @usableFromInline
    var fields: [Field]

    /// An empty header list.
    public init() {
        fields = []
    }

    /// A header list holding `fields` in order.
    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// A header list from a literal such as `["Content-Type": "application/json"]`, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of fields (duplicates counted separately).
    public var count: Int { fields.count }

    /// `true` when there is no field.
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of the first field called `name` (case-insensitive), or `nil`.
    public subscript(name: String) -> String? {
        for field in fields where Self.namesEqual(field.name, name) {
            return field.value
        }
        return nil
    }

    /// The values of every field called `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { Self.namesEqual($0.name, name) ? $0.value : nil }
    }

    /// `true` when at least one field is called `name` (case-insensitive).
    public func contains(name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Appends a field, keeping any existing field with the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces the first field called `name` and removes the others, or appends the field if
    /// there was none.
    public mutating func replaceOrAdd(name: String, value: String) {
        guard let first = fields.firstIndex(where: { Self.namesEqual($0.name, name) }) else {
            fields.append((name: name, value: value))
            return
        }
        fields[first].value = value
        var index = fields.count - 1
        while index > first {
            if Self.namesEqual(fields[index].name, name) { fields.remove(at: index) }
            index -= 1
        }
    }

    /// Removes every field called `name` (case-insensitive).
    public mutating func remove(name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    /// The fields as `Name: value` lines, for logs and test failure messages.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// ASCII case-insensitive comparison of two field names. Field names are tokens (ASCII only,
    /// RFC 9110 §5.1), so folding `A`–`Z` is enough.
    @usableFromInline
    static func namesEqual(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                guard left.count == right.count else { return false }
                for index in 0..<left.count where left[index] != right[index] {
                    if asciiLowercased(left[index]) != asciiLowercased(right[index]) { return false }
                }
                return true
            }
        }
    }
}

/// `byte` with `A`–`Z` mapped to `a`–`z`; every other byte unchanged.
@inline(__always)  // Called per byte in header-name comparisons; must not be an out-of-line call.
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
}
