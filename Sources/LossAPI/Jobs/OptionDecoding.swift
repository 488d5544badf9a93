import LossKernels

/// Options of a job, from a JSON `options` object, the query string, or OIP `parameters`,
/// checked against the loss's catalogue entry.
struct OptionDecoding {
    /// The loss whose catalogue entry decides which options exist.
    let loss: LossName
    /// The options so far.
    private(set) var options = LossOptions()
    /// Whether `dtype` was given explicitly.
    private(set) var dtypeGiven = false
    private var given: Set<String> = []

    init(loss: LossName) {
        self.loss = loss
    }

    /// Sets option `name` to `value`; `pointer` locates it for errors.
    ///
    /// - Throws: `Problem` INVALID_OPTION when the loss has no such option, it was given twice
    ///   (query and body), or the value is out of its domain.
    mutating func set(_ name: String, _ value: OptionValue, pointer: String) throws(Problem) {
        let descriptor = Loss.descriptor(loss)
        guard descriptor.accepts(option: name) else {
            throw Problem(
                .invalidOption,
                "\(loss.rawValue) has no option \"\(name)\"; its options are "
                    + descriptor.options.map(\.name).joined(separator: ", ") + ".",
                pointer: pointer)
        }
        guard given.insert(name).inserted else {
            throw Problem(.invalidOption, "Option \(name) is given twice (query string and body).", pointer: pointer)
        }
        if name == "reduction", case .string(let text) = value, let reduction = Reduction(rawValue: text),
            !descriptor.reductions.contains(reduction)
        {
            throw Problem(
                .invalidOption,
                "\(loss.rawValue) takes reduction " + descriptor.reductions.map(\.rawValue).joined(separator: ", ")
                    + "; not \(text).", pointer: pointer)
        }
        do {
            try options.set(name, to: value)
        } catch {
            throw Problem(.invalidOption, error.detail, pointer: pointer)
        }
        if name == "dtype" { dtypeGiven = true }
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
            try set(name, .string(value), pointer: JSONPointer.appending("/options", key: name))
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
