import LossKernels
import TensorCodecs

/// Options of a job, from a JSON `options` object, the query string, or OIP `parameters`,
/// checked against the loss's catalogue entry.
struct OptionDecoding {
    /// The loss whose catalogue entry decides which options exist.
    let loss: LossName
    /// The options so far.
    private(set) var options = LossOptions()
    /// Whether `dtype` was given explicitly.
    private(set) var dtypeGiven = false
    /// The options set so far, each with whether it came from the query string.
    private var given: [String: Bool] = [:]

    init(loss: LossName) {
        self.loss = loss
    }

    /// Sets option `name` to `value`; `pointer` locates it for errors. `fromText` values come
    /// from a query string (strings read as the option's type); JSON values must have its type.
    ///
    /// - Throws: `Problem` INVALID_OPTION when the loss has no such option, it was given twice,
    ///   or the value is not of its type or out of its domain.
    mutating func set(_ name: String, _ value: OptionValue, pointer: String, fromText: Bool = false) throws(Problem) {
        guard let previous = given[name] else {
            do {
                try options.set(name, to: value, for: loss, fromText: fromText)
            } catch {
                throw Problem(.invalidOption, error.detail + ".", pointer: pointer)
            }
            given[name] = fromText
            if name == "dtype" { dtypeGiven = true }
            return
        }
        let places = previous && fromText ? "in the query" : previous || fromText ? "in the query string and the body" : "in the body"
        throw Problem(.invalidOption, "Option \(name) is given twice (\(places)).", pointer: pointer)
    }

    /// Sets every member of a JSON `options` object at `pointer`.
    mutating func set(object value: JSONValue, pointer: String) throws(Problem) {
        guard case .object(let object) = value else {
            throw Problem(.malformedRequest, "options must be an object, not \(value.typeDescription).", pointer: pointer)
        }
        for (name, member) in object.members {
            let memberPointer = JSONPointer.appending(pointer, key: name)
            try set(name, try Self.optionValue(member, pointer: memberPointer), pointer: memberPointer)
        }
    }

    /// Sets options from query parameters (every value is a string; the option parser reads
    /// numbers and booleans from strings). `outputs` is not an option and is skipped.
    mutating func set(query: [(name: String, value: String)]) throws(Problem) {
        for (name, value) in query where name != "outputs" {
            try set(name, .string(value), pointer: JSONPointer.appending("/options", key: name), fromText: true)
        }
    }

    /// A JSON option value as an `OptionValue`.
    static func optionValue(_ value: JSONValue, pointer: String) throws(Problem) -> OptionValue {
        switch value {
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .number(let n): return n.int64Value.map(OptionValue.int) ?? .double(n.value)
        case .null, .array, .numbers, .object:
            throw Problem(.invalidOption, "An option value is a string, number or boolean, not \(value.typeDescription).",
                          pointer: pointer)
        }
    }
}
