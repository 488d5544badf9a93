/// Reading a parsed JSON value as a tensor of numbers (API.md "TENSOR", nested form).
///
/// The reader already packs rectangular number arrays; this adds the two things the parser
/// deliberately leaves to the API: the non-finite *strings* of API.md (`"nan"`, `"inf"`,
/// `"-inf"`, `"NaN"`, `"Infinity"`, `"-Infinity"`) inside tensors, and the ragged-array error
/// with a pointer to the first row of the wrong shape.
public enum TensorDecoding {
    /// The value of a non-finite spelling accepted inside tensors, or `nil` for other strings.
    public static func nonFiniteValue(of string: String) -> Double? {
        switch string {
        case "nan", "NaN": .nan
        case "inf", "Infinity": .infinity
        case "-inf", "-Infinity": -.infinity
        default: nil
        }
    }

    /// The tensor a JSON value stands for: a packed array as is, a lone number or non-finite
    /// string as a scalar (shape `[]`), nested arrays mixing numbers and non-finite strings
    /// packed here.
    /// - Parameters:
    ///   - value: the parsed value.
    ///   - pointer: the JSON pointer of `value` in the document, to prefix error pointers.
    /// - Throws: ``TensorDecodingError`` naming the first offending element.
    /// - Complexity: O(n); the common case (already packed) is free.
    public static func numberArray(from value: JSONValue, pointer: String) throws(TensorDecodingError) -> NumberArray {
        switch value {
        case .numbers(let array):
            return array
        case .number(let number):
            return NumberArray(shape: [], values: [number.value], allIntegers: number.isInteger)
        case .string(let string):
            guard let v = nonFiniteValue(of: string) else {
                throw TensorDecodingError(kind: .notANumber(found: "the string \"\(string)\""), pointer: pointer)
            }
            return NumberArray(shape: [], values: [v], allIntegers: false)
        case .array(let items):
            return try pack(items, pointer: pointer)
        case .null, .bool, .object:
            throw TensorDecodingError(kind: .notANumber(found: value.typeDescription), pointer: pointer)
        }
    }

    /// Packs a mixed array: every element must itself decode to a tensor of the same shape.
    private static func pack(_ items: [JSONValue], pointer: String) throws(TensorDecodingError) -> NumberArray {
        var values: [Double] = []
        var childShape: [Int] = []
        var allIntegers = true
        for (i, item) in items.enumerated() {
            let itemPointer = JSONPointer.appending(pointer, index: i)
            let child = try numberArray(from: item, pointer: itemPointer)
            if i == 0 {
                childShape = child.shape
                values.reserveCapacity(items.count * child.count)
            } else if child.shape != childShape {
                throw TensorDecodingError(kind: .ragged(expected: childShape, found: child.shape), pointer: itemPointer)
            }
            values.append(contentsOf: child.values)
            allIntegers = allIntegers && child.allIntegers
        }
        return NumberArray(shape: [items.count] + childShape, values: values, allIntegers: allIntegers)
    }
}

/// Why a JSON value is not a tensor, and which element.
public struct TensorDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// Rows of different shapes (`[[1, 2], [3]]`): the row at the pointer has shape `found`
        /// where its first sibling had `expected`.
        case ragged(expected: [Int], found: [Int])
        /// An element that is neither a number nor a non-finite spelling (`found` describes it).
        case notANumber(found: String)
    }

    /// What is wrong.
    public var kind: Kind
    /// JSON pointer (RFC 6901) of the offending element.
    public var pointer: String

    /// Creates an error.
    public init(kind: Kind, pointer: String) {
        self.kind = kind
        self.pointer = pointer
    }

    /// A one-line explanation for a problem+json `detail`.
    public var description: String {
        switch kind {
        case .ragged(let expected, let found):
            "ragged array: \(pointer) has shape \(found) but its first sibling has shape \(expected)"
        case .notANumber(let found):
            "\(pointer) is \(found), not a number (non-finite values may be NaN, Infinity, -Infinity or the strings \"nan\", \"inf\", \"-inf\")"
        }
    }
}
