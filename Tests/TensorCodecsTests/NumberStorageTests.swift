import Foundation
import TensorCodecs
import Testing

/// The reader keeps numbers as `Float` while each is exactly a float32 and widens to `Double` at
/// the first that is not (``NumberStack``): whatever the storage, every value is the correctly
/// rounded double of its spelling and every integer flag survives.
@Suite struct NumberStorageTests {
    private func numbers(_ text: String) throws -> NumberArray {
        guard case .numbers(let array) = try JSONReader.parse(Array(text.utf8)) else {
            throw JSONParseError(kind: .invalidNumber, offset: 0, pointer: "not packed")
        }
        return array
    }

    /// Spellings that are exact floats, then one that is not, at each position of a long run
    /// (inside and after the reader's bulk chunks of 512) and in nested rows.
    @Test(arguments: [0, 1, 63, 64, 511, 512, 513, 1500])
    func widening_KeepsEveryValueExact(at position: Int) throws {
        var spellings = (0..<1600).map { i -> String in
            i % 3 == 0 ? "\(i)" : i % 3 == 1 ? "-0.5" : "1.5e-3"  // 1.5e-3 is not a float32
        }
        spellings[position] = "0.1"  // the first value that is not exactly a float
        for i in 0..<position where spellings[i] == "1.5e-3" { spellings[i] = "0.25" }
        let flat = try numbers("[" + spellings.joined(separator: ",") + "]")
        let rows = try numbers("[" + stride(from: 0, to: 1600, by: 400).map {
            "[" + spellings[$0..<($0 + 400)].joined(separator: ", ") + "]"
        }.joined(separator: ",") + "]")
        let expected = spellings.map { strtod($0, nil) }
        #expect(flat.values.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(rows.shape == [4, 400] && rows.values.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(flat.floatValues().map(\.bitPattern) == expected.map { Float($0).bitPattern })
        #expect(!flat.allIntegers)
    }

    @Test func exactFloats_KeepSpecialValuesAndIntegerSpelling() throws {
        let array = try numbers("[0, -0.0, NaN, Infinity, -Infinity, 16777216, 3.0, 1e-45]")
        let expected: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 16_777_216, 3, 1e-45]
        #expect(array.values.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(array[1].sign == .minus && array.count == 8)
        // 16777217 is not a float32; its double is kept exactly.
        let integers = try numbers("[1, 16777217, -3]")
        #expect(integers.allIntegers && integers.int64Values() == .success([1, 16_777_217, -3]))
    }

    /// A numeric array that turns generic keeps each number's integer spelling (a bit per
    /// number), across more than one 64-bit word.
    @Test func genericArray_KeepsEachIntegerFlag() throws {
        let items = (0..<150).map { $0 % 2 == 0 ? "\($0)" : "\($0).0" } + ["null"]
        guard case .array(let values) = try JSONReader.parse(Array(("[" + items.joined(separator: ",") + "]").utf8)) else {
            Issue.record("not a generic array")
            return
        }
        for i in 0..<150 {
            #expect(values[i] == .number(JSONNumber(value: Double(i), isInteger: i % 2 == 0)))
        }
        #expect(values[150] == .null)
    }

    /// Two tensors side by side: the second starts narrow again after the first widened.
    @Test func eachMember_HasItsOwnStorage() throws {
        guard case .object(let object) = try JSONReader.parse(Array(#"{"a": [0.1, 2], "b": [1, 2.5], "c": [[1], [0.1]]}"#.utf8)),
            case .numbers(let a)? = object["a"], case .numbers(let b)? = object["b"], case .numbers(let c)? = object["c"]
        else {
            Issue.record("not packed")
            return
        }
        #expect(a.values == [0.1, 2] && b.values == [1, 2.5] && c.values == [1, 0.1] && c.shape == [2, 1])
        #expect(!a.allIntegers && !b.allIntegers)
    }
}
