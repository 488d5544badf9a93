/// Writes JSON documents (result bodies) into a reusable byte buffer.
///
/// Structure is written with `beginObject`/`key`/`endObject` and `beginArray`/`endArray`;
/// commas are inserted automatically. Floating-point numbers get the shortest digits that
/// round-trip in their own type (``Float`` or ``Double``) and always a float spelling (`3.0`),
/// so Python's `json` + numpy read them back bit-exactly and as floats. Non-finite numbers are
/// written per ``NonFiniteStyle`` (API.md: the strings `"NaN"`, `"Infinity"`, `"-Infinity"`).
///
/// ```swift
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.key("loss"); writer.string("cross_entropy")
/// writer.key("value"); writer.number(Float(0.25))
/// writer.key("grad"); writer.tensor(grad, shape: [2, 3], form: .nested)
/// writer.endObject()
/// let body = writer.bytes
/// ```
public struct JSONWriter: Sendable {
    /// How NaN and ±infinity are written.
    public enum NonFiniteStyle: Sendable {
        /// `"NaN"`, `"Infinity"`, `"-Infinity"`: strict JSON (API.md's result format).
        case strings
        /// `NaN`, `Infinity`, `-Infinity`: what Python's `json` and Triton (rapidjson with
        /// `kWriteNanAndInfFlag`) write; not strict JSON.
        case literals
    }

    /// How a tensor is laid out.
    public enum TensorForm: Sendable, Equatable {
        /// Nested arrays matching the shape (`[[1.0, 2.0], [3.0, 4.0]]`); a scalar is a number.
        case nested
        /// `{"shape": [2, 2], "data": [1.0, 2.0, 3.0, 4.0]}` plus `"dtype"` when given.
        case shapeAndData(dtype: String?)
    }

    /// The document so far.
    public var bytes: [UInt8]
    /// How NaN and ±infinity are written.
    public var nonFinite: NonFiniteStyle
    /// Per open container: whether it has an element already (a comma is due).
    private var hasElements: [Bool] = []
    /// Whether a member name was just written (no comma before its value).
    private var afterKey = false

    /// Creates a writer appending to `buffer` (pass a buffer emptied with
    /// `removeAll(keepingCapacity: true)` to reuse its storage).
    public init(buffer: [UInt8] = [], nonFinite: NonFiniteStyle = .strings) {
        self.bytes = buffer
        self.nonFinite = nonFinite
    }

    // MARK: Structure

    /// Writes the comma a new value or member needs, if any.
    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard let last = hasElements.indices.last else { return }
        if hasElements[last] { bytes.append(UInt8(ascii: ",")) } else { hasElements[last] = true }
    }

    /// Opens an object.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasElements.append(false)
    }

    /// Closes the innermost object.
    public mutating func endObject() {
        hasElements.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    /// Opens an array.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        hasElements.append(false)
    }

    /// Closes the innermost array.
    public mutating func endArray() {
        hasElements.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a member name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendEscaped(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: Scalars

    /// Writes a string, escaping `"`, `\` and control characters.
    public mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Writes an integer (`-100`).
    public mutating func integer(_ value: Int64) {
        separate()
        appendNumbers(CollectionOfOne(value))
    }

    /// Writes a `Double` with its shortest round-trip digits (`0.1`, `3.0`, `1e-07`).
    public mutating func number(_ value: Double) {
        separate()
        appendNumbers(CollectionOfOne(value))
    }

    /// Writes a `Float` with the shortest digits that round-trip *as a Float* (`0.1`, not
    /// `0.10000000149011612`).
    public mutating func number(_ value: Float) {
        separate()
        appendNumbers(CollectionOfOne(value))
    }

    /// Writes any parsed value back (numbers as `Double`; integer spellings as integers).
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .string(let s): string(s)
        case .number(let n):
            if n.isInteger, let i = n.int64Value { integer(i) } else { number(n.value) }
        case .array(let items):
            beginArray()
            for item in items { self.value(item) }
            endArray()
        case .numbers(let array):
            if array.allIntegers, case .success(let integers) = array.int64Values() {
                writeNested(integers, shape: array.shape)
            } else {
                writeNested(array.values, shape: array.shape)
            }
        case .object(let object):
            beginObject()
            for (name, member) in object.members {
                key(name)
                self.value(member)
            }
            endObject()
        }
    }

    // MARK: Tensors

    /// Writes a float32 tensor (`values.count` must equal the product of `shape`).
    public mutating func tensor(_ values: [Float], shape: [Int], form: TensorForm) {
        values.withUnsafeBufferPointer { writeTensor($0, shape: shape, form: form) }
    }

    /// Writes a float64 tensor (`values.count` must equal the product of `shape`).
    public mutating func tensor(_ values: [Double], shape: [Int], form: TensorForm) {
        values.withUnsafeBufferPointer { writeTensor($0, shape: shape, form: form) }
    }

    /// Writes an int64 tensor (`values.count` must equal the product of `shape`).
    public mutating func tensor(_ values: [Int64], shape: [Int], form: TensorForm) {
        values.withUnsafeBufferPointer { writeTensor($0, shape: shape, form: form) }
    }

    private mutating func writeTensor<C: Collection>(_ values: C, shape: [Int], form: TensorForm)
    where C.Element: SpelledNumber, C.Index == Int {
        precondition(values.count == shape.reduce(1, *), "tensor of \(values.count) values cannot have shape \(shape)")
        switch form {
        case .nested:
            writeNested(values, shape: shape)
        case .shapeAndData(let dtype):
            beginObject()
            key("shape")
            beginArray()
            for dimension in shape { integer(Int64(dimension)) }
            endArray()
            key("data")
            writeNested(values, shape: [values.count])
            if let dtype {
                key("dtype")
                string(dtype)
            }
            endObject()
        }
    }

    private mutating func writeNested<C: Collection>(_ values: C, shape: [Int])
    where C.Element: SpelledNumber, C.Index == Int {
        separate()
        if shape.isEmpty {
            appendNumbers(values[values.startIndex...])
            return
        }
        writeDimension(values, shape: shape[...], offset: values.startIndex)
    }

    /// Writes `shape.first` rows of the sub-tensor starting at `offset`.
    private mutating func writeDimension<C: Collection>(_ values: C, shape: ArraySlice<Int>, offset: Int)
    where C.Element: SpelledNumber, C.Index == Int {
        bytes.append(UInt8(ascii: "["))
        let rows = shape.first!
        let inner = shape.dropFirst()
        if inner.isEmpty {
            appendNumbers(values[offset..<(offset + rows)])
        } else {
            let stride = inner.reduce(1, *)
            for row in 0..<rows {
                if row > 0 { bytes.append(UInt8(ascii: ",")) }
                writeDimension(values, shape: inner, offset: offset + row * stride)
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Appends comma-separated numbers (no brackets), a block at a time into room made ahead.
    private mutating func appendNumbers<S: Collection>(_ values: S) where S.Element: SpelledNumber {
        let block = 4096
        var index = values.startIndex
        var first = true
        while index != values.endIndex {
            let end = values.index(index, offsetBy: block, limitedBy: values.endIndex) ?? values.endIndex
            let room = values.distance(from: index, to: end) * (NumberSpelling.maxLength + 1)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: room))
            let style = nonFinite
            let speller = NumberSpelling()
            let written = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
                var out = buffer.baseAddress! + start
                for v in values[index..<end] {
                    if !first {
                        out.pointee = UInt8(ascii: ",")
                        out += 1
                    }
                    first = false
                    out += v.isFinite ? v.spell(with: speller, to: out) : Self.spellNonFinite(v.asDouble, style: style, to: out)
                }
                return out - buffer.baseAddress!
            }
            bytes.removeLast(bytes.count - written)
            index = end
        }
    }

    private static func spellNonFinite(_ value: Double, style: NonFiniteStyle, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let word: StaticString = value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity"
        var p = 0
        if style == .strings {
            out[0] = UInt8(ascii: "\"")
            p = 1
        }
        (out + p).update(from: word.utf8Start, count: word.utf8CodeUnitCount)
        p += word.utf8CodeUnitCount
        if style == .strings {
            out[p] = UInt8(ascii: "\"")
            p += 1
        }
        return p
    }

    // MARK: Strings

    private mutating func appendEscaped(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Runs of bytes that need no escape are appended whole (the diagnostics JSON inside a
            // safetensors header is mostly such runs).
            var runStart = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                appendEscape(of: byte)
                runStart = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escape sequence of a quote, a backslash or a control character.
    private mutating func appendEscape(of byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
        case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
        case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
        case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
        case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
        case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: #"\u00"#.utf8)
            bytes.append(hex[Int(byte >> 4)])
            bytes.append(hex[Int(byte & 0xF)])
        }
    }
}

/// The element types the writer spells: `Float`, `Double` (shortest digits) and `Int64`.
protocol SpelledNumber {
    var isFinite: Bool { get }
    var asDouble: Double { get }
    /// Writes the finite value's spelling; returns its length.
    func spell(with speller: NumberSpelling, to out: UnsafeMutablePointer<UInt8>) -> Int
}

extension Float: SpelledNumber {
    var asDouble: Double { Double(self) }
    func spell(with speller: NumberSpelling, to out: UnsafeMutablePointer<UInt8>) -> Int { speller.write(self, to: out) }
}

extension Double: SpelledNumber {
    var asDouble: Double { self }
    func spell(with speller: NumberSpelling, to out: UnsafeMutablePointer<UInt8>) -> Int { speller.write(self, to: out) }
}

extension Int64: SpelledNumber {
    var isFinite: Bool { true }
    var asDouble: Double { Double(self) }
    func spell(with speller: NumberSpelling, to out: UnsafeMutablePointer<UInt8>) -> Int { speller.write(self, to: out) }
}
