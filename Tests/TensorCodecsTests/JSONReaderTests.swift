import TensorCodecs
import Testing

/// Packing, shapes, pointers and offsets of ``JSONReader``, and ``TensorDecoding``.
@Suite struct JSONReaderTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONReader.parse(Array(text.utf8))
    }

    private func numbers(_ value: JSONValue?) -> NumberArray? {
        if case .numbers(let array)? = value { return array }
        return nil
    }

    /// Issue 18.2: the value budget counts every value read, in number runs, in generic arrays and
    /// across arrays, and stops the reader as soon as it is passed.
    private static func list(_ item: String, _ count: Int) -> String {
        "[" + Array(repeating: item, count: count).joined(separator: ",") + "]"
    }

    @Test(arguments: [
        (list("0", 5_000), true),
        (#"{"a": "# + list("0", 600) + #", "b": "# + list("1", 600) + "}", true),
        (list("0, null", 600), true),
        (list("[0]", 600), true),
        (list("0", 900), false),
    ] as [(String, Bool)])
    func valueBudget_StopsTheReader(text: String, refused: Bool) {
        let options = JSONReader.Options(maxValues: 1000)
        do {
            _ = try JSONReader.parse(Array(text.utf8), options: options)
            #expect(!refused)
        } catch {
            #expect(refused, "\(error)")
            #expect(error.kind == .tooManyValues(limit: 1000))
        }
    }

    @Test func nestedNumberArray_IsPackedRowMajorWithItsShape() throws {
        let array = try #require(numbers(try parse("[[1, 2, 3], [4, 5, 6.5]]")))
        #expect(array.shape == [2, 3])
        #expect(array.values == [1, 2, 3, 4, 5, 6.5])
        #expect(!array.allIntegers)
    }

    @Test func integerSpellings_AreRemembered() throws {
        #expect(try numbers(parse("[[1, -2], [3, 0]]"))?.allIntegers == true)
        #expect(try numbers(parse("[1, 2.0]"))?.allIntegers == false)
        #expect(try numbers(parse("[1, 2e0]"))?.allIntegers == false)
        #expect(try parse("7") == .number(JSONNumber(value: 7, isInteger: true)))
    }

    @Test func emptyArrays_HaveZeroDimensions() throws {
        #expect(try numbers(parse("[]"))?.shape == [0])
        #expect(try numbers(parse("[[], []]"))?.shape == [2, 0])
        #expect(try numbers(parse("[[[]]]"))?.shape == [1, 1, 0])
    }

    @Test func threeDimensions_AndDeepSingletons_Pack() throws {
        let array = try #require(numbers(try parse("[[[1,2],[3,4]],[[5,6],[7,8]],[[9,10],[11,12]]]")))
        #expect(array.shape == [3, 2, 2])
        #expect(array.values == (1...12).map(Double.init))
        let deep = try #require(numbers(try parse(String(repeating: "[", count: 300) + "5" + String(repeating: "]", count: 300))))
        #expect(deep.shape == [Int](repeating: 1, count: 300))
        #expect(deep.values == [5])
    }

    @Test func tensorsInsideObjects_ArePackedSeparately() throws {
        let value = try parse(#"{"input": [[0.5, 1.5]], "target": [1], "options": {"reduction": "sum"}, "shape": [2, 3]}"#)
        let object = try #require(value.objectValue)
        #expect(numbers(object["input"]) == NumberArray(shape: [1, 2], values: [0.5, 1.5], allIntegers: false))
        #expect(numbers(object["target"]) == NumberArray(shape: [1], values: [1], allIntegers: true))
        #expect(numbers(object["shape"])?.values == [2, 3])
        #expect(object["options"]?.objectValue?["reduction"] == .string("sum"))
    }

    @Test func raggedArray_StaysGeneric_AndTensorDecodingPointsAtTheBadRow() throws {
        let value = try parse(#"{"input": [[1, 2], [3, 4], [5]]}"#)
        let input = try #require(value.objectValue?["input"])
        guard case .array(let rows) = input else { Issue.record("expected a generic array, got \(input)"); return }
        #expect(rows.count == 3)
        #expect(numbers(rows[0])?.values == [1, 2])
        #expect(numbers(rows[2])?.values == [5])
        #expect {
            try TensorDecoding.numberArray(from: input, pointer: "/input")
        } throws: { ($0 as? TensorDecodingError) == TensorDecodingError(kind: .ragged(expected: [2], found: [1]), pointer: "/input/2") }
    }

    @Test func scalarsMixedWithRows_AreRagged() throws {
        let value = try parse("[1, [2]]")
        #expect {
            try TensorDecoding.numberArray(from: value, pointer: "")
        } throws: { ($0 as? TensorDecodingError)?.kind == .ragged(expected: [], found: [1]) }
    }

    @Test func mixedArray_KeepsElementsInOrderWithTheirSpelling() throws {
        let value = try parse(#"[1, 2.5, "x", [3, 4], [5, 6], null]"#)
        guard case .array(let items) = value else { Issue.record("expected a generic array"); return }
        #expect(items.count == 6)
        #expect(items[0] == .number(JSONNumber(value: 1, isInteger: true)))
        #expect(items[1] == .number(JSONNumber(value: 2.5, isInteger: false)))
        #expect(items[2] == .string("x"))
        #expect(numbers(items[3])?.values == [3, 4])
        #expect(numbers(items[4])?.values == [5, 6])
        #expect(items[5] == .null)
    }

    @Test func rowsBeforeAMixedRow_AreMaterialisedOnce() throws {
        let value = try parse(#"[[1, 2], [3, 4], [5, "x"]]"#)
        guard case .array(let rows) = value else { Issue.record("expected a generic array"); return }
        #expect(numbers(rows[0]) == NumberArray(shape: [2], values: [1, 2], allIntegers: true))
        #expect(numbers(rows[1]) == NumberArray(shape: [2], values: [3, 4], allIntegers: true))
        #expect(rows[2] == .array([.number(JSONNumber(value: 5, isInteger: true)), .string("x")]))
    }

    @Test func nonFiniteStrings_AreReadAsNumbersInTensors() throws {
        let value = try parse(#"[[1, "nan"], ["-inf", "Infinity"], [NaN, -Infinity]]"#)
        let array = try TensorDecoding.numberArray(from: value, pointer: "/input")
        #expect(array.shape == [3, 2])
        #expect(array.values[0] == 1)
        #expect(array.values[1].isNaN && array.values[4].isNaN)
        #expect(array.values[2] == -.infinity && array.values[3] == .infinity && array.values[5] == -.infinity)
        #expect(!array.allIntegers)
    }

    @Test func otherStringsInTensors_AreReportedWithTheirPointer() throws {
        let value = try parse(#"{"target": [[0, 1], [2, "two"]]}"#)
        #expect {
            try TensorDecoding.numberArray(from: value.objectValue!["target"]!, pointer: "/target")
        } throws: { ($0 as? TensorDecodingError) == TensorDecodingError(kind: .notANumber(found: "the string \"two\""), pointer: "/target/1/1") }
    }

    @Test func scalarTensor_HasEmptyShape() throws {
        #expect(try TensorDecoding.numberArray(from: parse("2.5"), pointer: "") == NumberArray(shape: [], values: [2.5], allIntegers: false))
        #expect(try TensorDecoding.numberArray(from: parse("\"inf\""), pointer: "").values == [.infinity])
    }

    @Test func errors_CarryPointerWithEscapedNames_AndByteOffset() {
        let text = #"{"a": {"b~/c": [1, 2, ]}}"#
        do {
            _ = try parse(text)
            Issue.record("accepted")
        } catch let error as JSONParseError {
            #expect(error.kind == .trailingComma)
            #expect(error.pointer == "/a/b~0~1c/2")
            #expect(error.offset == 22)
            #expect(error.description == "trailing comma at byte 22 (/a/b~0~1c/2)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func errorInsideAnArray_PointsAtTheElement() {
        do {
            _ = try parse(#"{"input": [[1, 2], [3, 01]]}"#)
            Issue.record("accepted")
        } catch let error as JSONParseError {
            #expect(error.kind == .leadingZero)
            #expect(error.pointer == "/input/1/1")
            #expect(error.offset == 23)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func hugeNesting_IsRejectedWithoutRecursion() {
        for opener in ["[", "{\"a\":"] {
            let text = String(repeating: opener, count: 200_000)
            #expect {
                try JSONReader.parse(Array(text.utf8))
            } throws: { ($0 as? JSONParseError)?.kind == .nestingTooDeep(limit: 512) }
        }
        let options = JSONReader.Options(maxDepth: 3)
        #expect(throws: Never.self) { try JSONReader.parse(Array("[[[1]]]".utf8), options: options) }
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array("[[[[1]]]]".utf8), options: options) }
    }

    @Test func strings_DecodeEscapesAndUTF8() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u20AC\uD834\uDD1E\u0000""#) == .string("é€𝄞\u{0}"))
        #expect(try parse("\"é€𝄞\"") == .string("é€𝄞"))
    }

    @Test func floatValues_RoundEachDoubleToNearestFloat() throws {
        // 16777217 is halfway between two floats: ties to even gives 16777216.
        let array = try #require(numbers(try parse("[0.1, 16777217, 1e39, -1e-50, 3.4028235677973362e38, 3.4028235677973366e38]")))
        let floats = array.floatValues()
        #expect(floats[0] == Float(0.1))
        #expect(floats[1] == 16_777_216)
        #expect(floats[2] == .infinity)
        #expect(floats[3] == 0 && floats[3].sign == .minus)
        #expect(floats[4] == .greatestFiniteMagnitude)
        #expect(floats[5] == .infinity)  // exactly halfway to 2^128: ties to even overflows, as numpy does
    }

    @Test func int64Values_AcceptWholeNumbersOnly() throws {
        #expect(try numbers(parse("[0, -100, 3]"))?.int64Values() == .success([0, -100, 3]))
        #expect(try numbers(parse("[0, 1.5, 3]"))?.int64Values() == .failure(.init(flatIndex: 1)))
        #expect(try numbers(parse("[1e300]"))?.int64Values() == .failure(.init(flatIndex: 0)))
        #expect(NumberArray(shape: [2, 3], values: [], allIntegers: true).index(ofFlatIndex: 5) == [1, 2])
    }
}
