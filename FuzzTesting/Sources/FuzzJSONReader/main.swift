// libFuzzer target for the JSON reader (compiled together with the codec's source files, listed
// in sources.txt, by FuzzTesting/build.sh).
//
// Each input is parsed with lossd's options. Invariants checked on every call:
// - the reader returns a value or a JSONParseError whose offset lies within the input; never a
//   trap, a hang or a stack overflow (nesting is iterative and capped);
// - every packed NumberArray holds exactly product(shape) values, and its floats are its values
//   rounded to Float whether the reader stored them as floats or doubles;
// - an accepted document written back by JSONWriter (non-finite as literals) is accepted again
//   and means the same (numbers equal as numbers: `-0` written as the integer `0` is Python's
//   reading too);
// - TensorDecoding on the document either packs it consistently or names an error pointer;
// - the same input followed by 64 spaces (so that more numbers take the PlainNumberScanner fast
//   path, which needs 64 bytes of lookahead) parses to the same value, bit for bit, or fails
//   with the same error.
// A violated invariant traps, which libFuzzer reports as a crash.

/// Whether two parsed values mean the same document.
func equivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.number(let x), .number(let y)): return same(x.value, y.value)
    case (.numbers(let x), .numbers(let y)):
        return x.shape == y.shape && zip(x.values, y.values).allSatisfy { same($0, $1) }
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
    case (.object(let x), .object(let y)):
        return x.members.count == y.members.count
            && zip(x.members, y.members).allSatisfy { $0.key == $1.key && equivalent($0.value, $1.value) }
    default: return false
    }
}

/// Whether two parsed values are the same document, numbers bit for bit and with the same
/// integer spelling.
func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.number(let x), .number(let y)): return x.value.bitPattern == y.value.bitPattern && x.isInteger == y.isInteger
    case (.numbers(let x), .numbers(let y)):
        return x.shape == y.shape && x.allIntegers == y.allIntegers
            && zip(x.values, y.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
    case (.object(let x), .object(let y)):
        return x.members.count == y.members.count
            && zip(x.members, y.members).allSatisfy { $0.key == $1.key && identical($0.value, $1.value) }
    default: return equivalent(a, b)
    }
}

func same(_ x: Double, _ y: Double) -> Bool {
    x == y || (x.isNaN && y.isNaN)
}

func checkPacked(_ value: JSONValue) {
    switch value {
    case .numbers(let array):
        precondition(array.values.count == array.shape.reduce(1, *), "packed count disagrees with shape")
        precondition(array.count == array.values.count, "count disagrees with values")
        precondition(
            array.floatValues().map(\.bitPattern) == array.values.map { Float($0).bitPattern },
            "floats disagree with values")
    case .array(let items):
        items.forEach(checkPacked)
    case .object(let object):
        object.members.forEach { checkPacked($0.value) }
    default: break
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONReader(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let padded = bytes + Array(repeating: UInt8(ascii: " "), count: 64)
    let value: JSONValue
    do {
        value = try JSONReader.parse(bytes)
    } catch {
        precondition(error.offset >= 0 && error.offset <= count, "error offset outside the input")
        do {
            _ = try JSONReader.parse(padded)
            // Only a document cut short can become valid by padding: never, since spaces end nothing.
            preconditionFailure("trailing spaces made a rejected document valid")
        } catch let paddedError {
            // The end of the input moved, so an error at the end may be found later or differently.
            if error.kind != .unexpectedEnd, error.offset < count {
                precondition(paddedError == error, "the fast path and the full reader disagree on an error")
            }
        }
        return 0
    }
    guard let paddedValue = try? JSONReader.parse(padded) else {
        preconditionFailure("trailing spaces made a valid document invalid")
    }
    precondition(identical(value, paddedValue), "the fast path and the full reader disagree on a value")
    checkPacked(value)
    var writer = JSONWriter(nonFinite: .literals)
    writer.value(value)
    guard let again = try? JSONReader.parse(writer.bytes) else {
        preconditionFailure("the writer produced a document the reader rejects")
    }
    precondition(equivalent(value, again), "writing and reading back changed the document")
    if let packed = try? TensorDecoding.numberArray(from: value, pointer: "") {
        precondition(packed.values.count == packed.shape.reduce(1, *), "tensor count disagrees with shape")
    }
    return 0
}
