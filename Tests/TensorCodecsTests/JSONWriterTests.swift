import TensorCodecs
import LossTestSupport
import Testing

/// ``JSONWriter``: Python-identical float spellings, round trips through ``JSONReader``,
/// structure, tensors and non-finite values.
@Suite struct JSONWriterTests {
    private func text(_ write: (inout JSONWriter) -> Void, nonFinite: JSONWriter.NonFiniteStyle = .strings) -> String {
        var writer = JSONWriter(nonFinite: nonFinite)
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func doubles_AreSpelledAsPythonReprSpellsThem() {
        for (bits, expected) in PythonFixtures.doubleRepr {
            #expect(text { $0.number(Double(bitPattern: bits)) } == expected)
        }
    }

    @Test func floats_AreSpelledAsNumpyFloat32SpellsThem() {
        for (bits, expected) in PythonFixtures.floatStr {
            #expect(text { $0.number(Float(bitPattern: bits)) } == expected)
        }
    }

    @Test(arguments: [
        (Float(3), "3.0"), (Float(0.1), "0.1"), (-Float(0), "-0.0"), (Float(1e-7), "1e-07"),
        (Float(1e16), "1e+16"), (Float.leastNonzeroMagnitude, "1e-45"), (Float.greatestFiniteMagnitude, "3.4028235e+38"), (Float(999_999), "999999.0"),
        (Float(16_777_216), "1.6777216e+07"), (Float(0.0001), "1e-04"), (Float(0.00011), "0.00011"), (Float(1.5e-5), "1.5e-05"),
    ])
    func floatGoldenSpellings(value: Float, expected: String) {
        #expect(text { $0.number(value) } == expected)
    }

    @Test func everySpelling_ReadsBackAsAFloatNotAnInteger() throws {
        for value in [1.0, 100.0, 1e15, 1e16, -7.0] {
            let written = text { $0.number(value) }
            #expect(try JSONReader.parse(Array(written.utf8)) == .number(JSONNumber(value: value, isInteger: false)), "\(written)")
        }
    }

    @Test func randomDoubles_RoundTripBitExactly_AndAreShortest() throws {
        var generator = SeededGenerator(seed: 0x5EED_0003)
        for i in 0..<100_000 {
            // Half uniformly random bit patterns (all exponents), half subnormals.
            let bits = i % 2 == 0 ? UInt64.random(in: 0..<0x7FF0_0000_0000_0000, using: &generator)
                : UInt64.random(in: 1..<0x0010_0000_0000_0000, using: &generator)
            let value = Double(bitPattern: bits) * (Bool.random(using: &generator) ? 1 : -1)
            let written = text { $0.number(value) }
            guard case .number(let parsed) = try JSONReader.parse(Array(written.utf8)) else {
                Issue.record("\(written) is not a number"); return
            }
            #expect(parsed.value.bitPattern == value.bitPattern, "\(value): \(written)")
            #expect(significantDigits(written) == significantDigits(value.description), "\(written) vs \(value.description)")
        }
    }

    @Test func randomFloats_RoundTripBitExactlyThroughDouble_AndAreShortest() throws {
        var generator = SeededGenerator(seed: 0x5EED_0004)
        var values: [Float] = []
        for i in 0..<100_000 {
            let bits = i % 2 == 0 ? UInt32.random(in: 0..<0x7F80_0000, using: &generator)
                : UInt32.random(in: 1..<0x0080_0000, using: &generator)
            values.append(Float(bitPattern: bits) * (Bool.random(using: &generator) ? 1 : -1))
        }
        var writer = JSONWriter()
        writer.tensor(values, shape: [values.count], form: .nested)
        guard case .numbers(let parsed) = try JSONReader.parse(writer.bytes) else {
            Issue.record("not a packed array"); return
        }
        let floats = parsed.floatValues()
        for (value, back) in zip(values, floats) where value.bitPattern != back.bitPattern {
            Issue.record("\(value) came back as \(back)")
        }
        for value in values.prefix(20_000) {
            #expect(significantDigits(text { $0.number(value) }) == significantDigits(value.description))
        }
    }

    /// The significant digits of a spelling (no sign, point, exponent, or outer zeros): equal
    /// digits with Swift's own `description` (shortest, then closest) prove shortest-and-closest.
    private func significantDigits(_ spelling: String) -> String {
        let mantissa = spelling.split(whereSeparator: { $0 == "e" || $0 == "E" }).first.map(String.init) ?? spelling
        let digits = mantissa.filter(\.isNumber)
        return String(digits.drop { $0 == "0" }.reversed().drop { $0 == "0" }.reversed())
    }

    @Test func integers_AreWrittenExactly() {
        var generator = SeededGenerator(seed: 0x5EED_0006)
        let values: [Int64] = [0, 7, -100, 99_999_999, 100_000_000, 12_345_678_901_234_567, .max, .min]
            + (0..<2000).map { _ in Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator) }
        for value in values {
            #expect(text { $0.integer(value) } == String(value))
        }
    }

    @Test func nonFinite_IsWrittenAsStringsOrLiterals() {
        let values: [Float] = [.nan, .infinity, -.infinity, 1]
        #expect(text { $0.tensor(values, shape: [4], form: .nested) } == #"["NaN","Infinity","-Infinity",1.0]"#)
        #expect(text({ $0.tensor(values, shape: [4], form: .nested) }, nonFinite: .literals) == "[NaN,Infinity,-Infinity,1.0]")
        #expect(text { $0.number(Double.nan) } == #""NaN""#)
    }

    @Test func tensors_AreWrittenNestedOrAsShapeAndData() {
        let values: [Float] = [1, 2.5, 3, 4, 5, 6]
        #expect(text { $0.tensor(values, shape: [2, 3], form: .nested) } == "[[1.0,2.5,3.0],[4.0,5.0,6.0]]")
        #expect(text { $0.tensor(values, shape: [3, 2, 1], form: .nested) } == "[[[1.0],[2.5]],[[3.0],[4.0]],[[5.0],[6.0]]]")
        #expect(text { $0.tensor([Float(0.5)], shape: [], form: .nested) } == "0.5")
        #expect(text { $0.tensor([Float](), shape: [2, 0], form: .nested) } == "[[],[]]")
        #expect(text { $0.tensor(values, shape: [2, 3], form: .shapeAndData(dtype: "float32")) }
            == #"{"shape":[2,3],"data":[1.0,2.5,3.0,4.0,5.0,6.0],"dtype":"float32"}"#)
        #expect(text { $0.tensor([Int64(-100), 0, 7], shape: [3], form: .shapeAndData(dtype: nil)) }
            == #"{"shape":[3],"data":[-100,0,7]}"#)
    }

    @Test func largeTensor_RoundTripsThroughTheReaderWithItsShape() throws {
        var generator = SeededGenerator(seed: 0x5EED_0005)
        let values = (0..<(37 * 300)).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
        var writer = JSONWriter()
        writer.tensor(values, shape: [37, 300], form: .nested)
        guard case .numbers(let parsed) = try JSONReader.parse(writer.bytes) else {
            Issue.record("not packed"); return
        }
        #expect(parsed.shape == [37, 300])
        #expect(parsed.values.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func structure_InsertsCommasAndEscapesStrings() {
        let written = text { w in
            w.beginObject()
            w.key("loss"); w.string("cross_entropy")
            w.key("odd \"key\"\n"); w.string("tab\there \u{1}")
            w.key("list"); w.beginArray(); w.integer(-100); w.bool(true); w.null(); w.beginObject(); w.endObject(); w.endArray()
            w.key("value"); w.number(Float(0.25))
            w.endObject()
        }
        #expect(written == #"{"loss":"cross_entropy","odd \"key\"\n":"tab\there \u0001","list":[-100,true,null,{}],"value":0.25}"#)
    }

    @Test func escapedStrings_ReadBackUnchanged() throws {
        // Every control character, quotes and backslashes at the ends and in runs, and
        // multi-byte UTF-8 between them.
        let pieces = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + ["\"", "\\", "é", "漢", "🙂", "plain", "\u{7F}"]
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 5, 40] {
            for _ in 0..<50 {
                let original = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
                let written = text { $0.string(original) }
                #expect(try JSONReader.parse(Array(written.utf8)).stringValue == original, "\(written)")
            }
        }
    }

    @Test func parsedValues_AreWrittenBackEquivalently() throws {
        let source = #"{"a":[1,2,3],"b":[[0.5,1e-07]],"c":{"d":"é\"","e":[true,null,-3]},"f":-0.0}"#
        let value = try JSONReader.parse(Array(source.utf8))
        let written = text { $0.value(value) }
        #expect(written == #"{"a":[1,2,3],"b":[[0.5,1e-07]],"c":{"d":"é\"","e":[true,null,-3]},"f":-0.0}"#)
        #expect(try JSONReader.parse(Array(written.utf8)) == value)
    }

    @Test func writer_ReusesItsBuffer() {
        var writer = JSONWriter()
        writer.tensor([Float](repeating: 0.5, count: 1000), shape: [1000], form: .nested)
        var buffer = writer.bytes
        let capacity = buffer.capacity
        buffer.removeAll(keepingCapacity: true)
        var second = JSONWriter(buffer: buffer)
        second.number(1.5)
        #expect(String(decoding: second.bytes, as: UTF8.self) == "1.5")
        #expect(second.bytes.capacity == capacity)
    }
}

/// Python's `json.loads` then numpy/torch float32 rounding, pinned as learning tests.
@Suite struct PythonLearningTests {
    @Test func readerMatchesPythonJsonLoadsAndFloat32Rounding() throws {
        for (spelling, doubleBits, floatBits) in PythonFixtures.loads {
            guard case .number(let number) = try JSONReader.parse(Array(spelling.utf8)) else {
                Issue.record("\(spelling) did not parse as a number"); continue
            }
            #expect(number.value.bitPattern == doubleBits, "\(spelling)")
            #expect(Float(number.value).bitPattern == floatBits, "\(spelling)")
        }
    }
}
