/// A parsed JSON document, as produced by ``JSONReader``.
///
/// Arrays whose elements are all numbers, or all arrays of numbers of one shape (any nesting),
/// are delivered packed as ``NumberArray`` (case ``numbers(_:)``): one contiguous buffer of
/// `Double` with the inferred row-major shape. Every other array is a ``array(_:)`` of values;
/// inside it, rectangular numeric sub-arrays are still packed. A ragged numeric array such as
/// `[[1, 2], [3]]` is therefore an `.array` of two `.numbers`, which ``TensorDecoding`` reports
/// as ragged with a pointer.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number outside a packed number array (an object member, a scalar document, or an
    /// element of a mixed array).
    case number(JSONNumber)
    /// A string, with escapes decoded.
    case string(String)
    /// An array that is not a rectangular array of numbers.
    case array([JSONValue])
    /// A rectangular array of numbers (any nesting), packed.
    case numbers(NumberArray)
    /// An object, members in document order.
    case object(JSONObject)
}

/// A JSON number decoded to the nearest `Double` (round-half-even, as `strtod` and Python's
/// `json` do), remembering whether it was spelled as an integer (no fraction, no exponent).
public struct JSONNumber: Sendable, Equatable {
    /// The correctly rounded value. `NaN`, `Infinity` and `-Infinity` literals give the
    /// non-finite doubles; numbers beyond the `Double` range give ±infinity (as Python does).
    public var value: Double
    /// `true` when the spelling had no fraction and no exponent (`3`, `-100`), which is what
    /// makes Python's `json` produce an `int`.
    public var isInteger: Bool
    /// The integer as spelled, for integers beyond 2^53 that fit an `Int64` (the reader keeps it
    /// for numbers outside numeric arrays: option values, ids). Nil otherwise.
    public var exactInteger: Int64?

    /// 2^53: every integer up to it in magnitude is exact in a `Double`.
    public static let largestExactInteger = 9_007_199_254_740_992.0

    /// Creates a number from its value and spelling kind.
    public init(value: Double, isInteger: Bool, exactInteger: Int64? = nil) {
        self.value = value
        self.isInteger = isInteger
        self.exactInteger = exactInteger
    }

    /// The value as an `Int64` when it was spelled as an integer and is known exactly (|v| <= 2^53,
    /// where the `Double` holds it, or kept from the text: ``exactInteger``); otherwise `nil`.
    public var int64Value: Int64? {
        if let exactInteger { return exactInteger }
        guard isInteger, abs(value) <= Self.largestExactInteger else { return nil }
        return Int64(value)
    }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.isInteger == rhs.isInteger && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// A JSON object: members in document order. Keys are unique (the reader rejects duplicates
/// unless told otherwise, in which case ``subscript(_:)`` returns the last, like Python).
public struct JSONObject: Sendable, Equatable {
    /// The members in document order.
    public var members: [(key: String, value: JSONValue)]

    /// Creates an object from its members.
    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value of the last member named `key`, or `nil`.
    public subscript(key: String) -> JSONValue? {
        members.last(where: { $0.key == key })?.value
    }

    /// The member names in document order.
    public var keys: [String] { members.map(\.key) }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue {
    /// The object, when this value is one.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The string, when this value is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, when this value is a lone number.
    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The Boolean, when this value is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A short name of the value's JSON type, for error messages ("an array", "a string", ...).
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array, .numbers: "an array"
        case .object: "an object"
        }
    }
}
