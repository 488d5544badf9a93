/// The state machine behind ``JSONReader``: an explicit stack of open arrays and objects (so
/// depth costs heap, not stack) and two scratch stacks for packing numeric arrays.
///
/// Packing works bottom-up. An open array stays *numeric* while its children are all numbers
/// or all numeric blocks of one shape. Numbers go straight onto `numbers` (a ``NumberStack``);
/// a numeric array that closes leaves its elements where they are (contiguous, row-major) and
/// its shape on `shapes` (innermost dimension first), so its parent merges it by comparing
/// shapes only. A numeric block becomes its own `NumberArray` when it lands in an object or a
/// non-numeric array: the stack's buffer itself when the block is the whole stack (a tensor
/// member), else a copy. An array that meets a non-number (or a child of another shape) turns
/// generic: its numeric children so far are materialised, each at most once, so parsing
/// stays linear.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: JSONReader.Options
    var pos = 0
    var frames: [Frame] = []
    var numbers: NumberStack
    var shapes: [Int] = []
    /// Values read so far, numbers of number runs included (checked against `options.maxValues`).
    var valuesRead = 0
    let decimal = DecimalToDouble()
    let plainNumbers = PlainNumberScanner()

    init(_ bytes: UnsafeBufferPointer<UInt8>, options: JSONReader.Options) {
        self.bytes = bytes
        self.options = options
        numbers = NumberStack(reservation: min(bytes.count / 8, 1 << 20))
    }

    /// An open array or object.
    struct Frame {
        var isObject: Bool
        /// Children delivered so far (the index of the child being read, for pointers).
        var count = 0
        // Objects.
        var members: [(key: String, value: JSONValue)] = []
        var key: String? = nil
        var keySet: Set<String>? = nil
        // Arrays.
        var isNumeric: Bool
        var items: [JSONValue] = []
        var valueStart: Int
        var shapeStart: Int
        /// Rank of the children's shape: -1 before the first child, 0 for scalars.
        var childRank = -1
        var allIntegers = true
    }

    /// A value that has just been read, to be delivered to the enclosing frame.
    enum Completed {
        case scalar(Double, isInteger: Bool)
        case value(JSONValue)
        /// A numeric block at the top of `numbers` (from `valueStart`) and `shapes` (from
        /// `shapeStart`, innermost dimension first).
        case block(valueStart: Int, shapeStart: Int, allIntegers: Bool)
        /// Values the number-run loop has already stored in the innermost array.
        case delivered
    }

    // MARK: Driver

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        valueLoop: while true {
            guard pos < bytes.count else { throw error(.unexpectedEnd) }
            valuesRead += 1
            try checkValueBudget()
            var completed: Completed
            switch bytes[pos] {
            case UInt8(ascii: "["):
                try push(isObject: false)
                pos += 1
                skipWhitespace()
                guard pos < bytes.count else { throw error(.unexpectedEnd) }
                if bytes[pos] != UInt8(ascii: "]") { continue valueLoop }
                pos += 1
                completed = closeArray()
            case UInt8(ascii: "{"):
                try push(isObject: true)
                pos += 1
                skipWhitespace()
                guard pos < bytes.count else { throw error(.unexpectedEnd) }
                if bytes[pos] != UInt8(ascii: "}") {
                    try readMemberName()
                    continue valueLoop
                }
                pos += 1
                completed = closeObject()
            case UInt8(ascii: "\""):
                completed = .value(.string(try readString()))
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                if let top = frames.indices.last, frames[top].isNumeric, frames[top].childRank <= 0 {
                    if try readNumberRun(top) { continue valueLoop }
                    completed = .delivered
                } else {
                    let start = pos
                    let (value, isInteger) = try readNumber()
                    if isInteger && abs(value) >= JSONNumber.largestExactInteger {
                        // Beyond 2^53 the Double may not hold the integer: keep it from the text.
                        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                        completed = .value(.number(JSONNumber(value: value, isInteger: true, exactInteger: Int64(text))))
                    } else {
                        completed = .scalar(value, isInteger: isInteger)
                    }
                }
            default:
                completed = try readLiteral()
            }
            // Deliver the value, then close as many containers as the input closes.
            while true {
                if frames.isEmpty {
                    let root = materialize(completed)
                    skipWhitespace()
                    guard pos == bytes.count else { throw error(.trailingCharacters) }
                    return root
                }
                try deliver(completed)
                skipWhitespace()
                guard pos < bytes.count else { throw error(.unexpectedEnd) }
                let byte = bytes[pos]
                let top = frames.count - 1
                if frames[top].isObject {
                    if byte == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { throw error(.trailingComma) }
                        try readMemberName()
                        continue valueLoop
                    }
                    guard byte == UInt8(ascii: "}") else { throw error(.unexpectedCharacter(byte)) }
                    pos += 1
                    completed = closeObject()
                } else {
                    if byte == UInt8(ascii: ",") {
                        pos += 1
                        skipWhitespace()
                        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { throw error(.trailingComma) }
                        continue valueLoop
                    }
                    guard byte == UInt8(ascii: "]") else { throw error(.unexpectedCharacter(byte)) }
                    pos += 1
                    completed = closeArray()
                }
            }
        }
    }

    @inline(__always)  // Runs between every two tokens; a call here costs more than the loop.
    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    /// Reads `"name"` and the `:` after it, leaving `pos` at the member's value.
    mutating func readMemberName() throws(JSONParseError) {
        guard pos < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[pos] == UInt8(ascii: "\"") else { throw error(.unexpectedCharacter(bytes[pos])) }
        let keyOffset = pos
        let key = try readString()
        let top = frames.count - 1
        if options.rejectDuplicateKeys, isDuplicate(key, in: top) {
            throw JSONParseError(kind: .duplicateKey(key), offset: keyOffset, pointer: pointer())
        }
        skipWhitespace()
        guard pos < bytes.count else { throw error(.unexpectedEnd) }
        guard bytes[pos] == UInt8(ascii: ":") else { throw error(.unexpectedCharacter(bytes[pos])) }
        pos += 1
        frames[top].key = key
        skipWhitespace()
    }

    /// Whether frame `top` already has a member `key`; objects beyond a few members use a set.
    private mutating func isDuplicate(_ key: String, in top: Int) -> Bool {
        if frames[top].keySet == nil, frames[top].members.count < 16 {
            return frames[top].members.contains { $0.key == key }
        }
        if frames[top].keySet == nil { frames[top].keySet = Set(frames[top].members.map(\.key)) }
        return frames[top].keySet!.contains(key)
    }

    mutating func readLiteral() throws(JSONParseError) -> Completed {
        let byte = bytes[pos]
        switch byte {
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .value(.bool(true))
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .value(.bool(false))
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .value(.null)
        case UInt8(ascii: "N") where options.allowNonFiniteLiterals:
            try expectWord("NaN")
            return .scalar(.nan, isInteger: false)
        case UInt8(ascii: "I") where options.allowNonFiniteLiterals:
            try expectWord("Infinity")
            return .scalar(.infinity, isInteger: false)
        default:
            throw error(.unexpectedCharacter(byte))
        }
    }

    /// Consumes `word` at `pos` or throws at the first differing byte.
    mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let start = word.utf8Start
        for i in 0..<count {
            guard pos < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[pos] == start[i] else { throw error(.unexpectedCharacter(bytes[pos])) }
            pos += 1
        }
    }

    // MARK: Frames

    mutating func push(isObject: Bool) throws(JSONParseError) {
        guard frames.count < options.maxDepth else {
            throw error(.nestingTooDeep(limit: options.maxDepth))
        }
        frames.append(Frame(isObject: isObject, isNumeric: !isObject, valueStart: numbers.count, shapeStart: shapes.count))
    }

    mutating func closeObject() -> Completed {
        let frame = frames.removeLast()
        return .value(.object(JSONObject(frame.members)))
    }

    mutating func closeArray() -> Completed {
        let frame = frames.removeLast()
        guard frame.isNumeric else { return .value(.array(frame.items)) }
        shapes.append(frame.count)
        return .block(valueStart: frame.valueStart, shapeStart: frame.shapeStart, allIntegers: frame.allIntegers)
    }

    /// Reads a run of comma-separated numbers into the innermost array (a numeric array of
    /// scalars): the hot loop of tensor parsing, free of the per-value bookkeeping of
    /// `deliver`. Stops before anything but `, number`.
    /// - Returns: `true` when it consumed a comma and the next value is not a number (the
    ///   caller reads that value); `false` when it stopped after a number.
    /// Throws when more than `options.maxValues` values have been read.
    @inline(__always)
    func checkValueBudget() throws(JSONParseError) {
        if valuesRead > options.maxValues { throw error(.tooManyValues(limit: options.maxValues)) }
    }

    mutating func readNumberRun(_ top: Int) throws(JSONParseError) -> Bool {
        frames[top].childRank = 0
        var count = frames[top].count
        var allIntegers = frames[top].allIntegers
        defer {
            frames[top].count = count
            frames[top].allIntegers = allIntegers
        }
        while true {
            readPlainNumbers(count: &count, allIntegers: &allIntegers)
            try checkValueBudget()
            let value: Double
            let isInteger: Bool
            do {
                (value, isInteger) = try readNumber()
            } catch {
                // The error's pointer was built with the count stored before this run.
                frames[top].count = count
                throw JSONParseError(kind: error.kind, offset: error.offset, pointer: pointer())
            }
            numbers.append(value, isInteger: isInteger)
            allIntegers = allIntegers && isInteger
            count += 1
            valuesRead += 1
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ",") else { return false }
            pos += 1
            skipWhitespace()
            guard pos < bytes.count else { return true }
            let next = bytes[pos]
            if next == UInt8(ascii: "-") || next &- UInt8(ascii: "0") < 10 { continue }
            if next == UInt8(ascii: "]") {
                frames[top].count = count
                throw error(.trailingComma)
            }
            return true
        }
    }

    /// Hands a completed value to the innermost open container.
    mutating func deliver(_ completed: Completed) throws(JSONParseError) {
        if case .delivered = completed { return }
        let top = frames.count - 1
        if frames[top].isObject {
            let key = frames[top].key!
            frames[top].members.append((key, materialize(completed)))
            frames[top].keySet?.insert(key)
            frames[top].key = nil
            frames[top].count += 1
            return
        }
        guard frames[top].isNumeric else {
            frames[top].items.append(materialize(completed))
            frames[top].count += 1
            return
        }
        switch completed {
        case .scalar(let value, let isInteger):
            if frames[top].childRank <= 0 {
                frames[top].childRank = 0
                numbers.append(value, isInteger: isInteger)
                if !isInteger { frames[top].allIntegers = false }
            } else {
                makeGeneric(top)
                frames[top].items.append(.number(JSONNumber(value: value, isInteger: isInteger)))
            }
        case .block(let valueStart, let shapeStart, let allIntegers):
            let rank = shapes.count - shapeStart
            let known = frames[top].childRank
            if known == -1 {
                frames[top].childRank = rank
            } else if known == rank, sameShape(shapeStart, frames[top].shapeStart, rank: rank) {
                shapes.removeLast(rank)
            } else {
                let child = materializeBlock(valueStart: valueStart, shapeStart: shapeStart, allIntegers: allIntegers)
                makeGeneric(top)
                frames[top].items.append(.numbers(child))
                frames[top].count += 1
                return
            }
            if !allIntegers { frames[top].allIntegers = false }
        case .value(let value):
            makeGeneric(top)
            frames[top].items.append(value)
        case .delivered:
            return
        }
        frames[top].count += 1
    }

    private func sameShape(_ a: Int, _ b: Int, rank: Int) -> Bool {
        for i in 0..<rank where shapes[a + i] != shapes[b + i] { return false }
        return true
    }

    /// Turns a numeric array frame into a generic one, materialising its children so far.
    mutating func makeGeneric(_ top: Int) {
        let frame = frames[top]
        var items: [JSONValue] = []
        items.reserveCapacity(frame.count + 1)
        if frame.childRank <= 0 {
            for i in frame.valueStart..<numbers.count {
                items.append(.number(JSONNumber(value: numbers.value(at: i), isInteger: numbers.isInteger(at: i))))
            }
        } else {
            let childShape = Array(shapes[frame.shapeStart..<(frame.shapeStart + frame.childRank)].reversed())
            let size = childShape.reduce(1, *)
            for child in 0..<frame.count {
                let range = (frame.valueStart + child * size)..<(frame.valueStart + (child + 1) * size)
                items.append(.numbers(numbers.numbers(in: range, shape: childShape, allIntegers: numbers.allIntegers(in: range))))
            }
            shapes.removeLast(frame.childRank)
        }
        numbers.truncate(to: frame.valueStart)
        frames[top].isNumeric = false
        frames[top].items = items
    }

    /// The value a completed item stands for, moving a numeric block off the scratch stacks.
    mutating func materialize(_ completed: Completed) -> JSONValue {
        switch completed {
        case .scalar(let value, let isInteger): .number(JSONNumber(value: value, isInteger: isInteger))
        case .value(let value): value
        case .block(let valueStart, let shapeStart, let allIntegers):
            .numbers(materializeBlock(valueStart: valueStart, shapeStart: shapeStart, allIntegers: allIntegers))
        case .delivered:
            preconditionFailure("the number-run loop only runs inside an open array")
        }
    }

    /// Pops the numeric block at the top of the scratch stacks as its own array (the stack's
    /// buffer when the block is all of it: the one allocation per tensor).
    mutating func materializeBlock(valueStart: Int, shapeStart: Int, allIntegers: Bool) -> NumberArray {
        let shape = Array(shapes[shapeStart...].reversed())
        shapes.removeLast(shapes.count - shapeStart)
        return numbers.take(from: valueStart, shape: shape, allIntegers: allIntegers)
    }

    // MARK: Errors

    /// An error of `kind` at the current offset and pointer.
    func error(_ kind: JSONParseError.Kind) -> JSONParseError {
        JSONParseError(kind: kind, offset: pos, pointer: pointer())
    }

    /// The JSON pointer of the value being read: array indices and member names of the open
    /// containers (a member name only once its `:` has been read).
    func pointer() -> String {
        var result = ""
        for frame in frames {
            if frame.isObject {
                guard let key = frame.key else { break }
                result = JSONPointer.appending(result, key: key)
            } else {
                result = JSONPointer.appending(result, index: frame.count)
            }
        }
        return result
    }
}
