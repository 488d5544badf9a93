import Glibc
import Foundation
import TensorCodecs
import LossTestSupport
import Testing

/// Number decoding is correctly rounded: every spelling gives the double glibc's `strtod`
/// (correctly rounded) gives, across the fast path, Eisel-Lemire and the fallback.
@Suite struct JSONNumberTests {
    private func parsed(_ text: String) throws -> Double {
        let value = try JSONReader.parse(Array(text.utf8))
        guard case .number(let number) = value else { throw Unexpected(value: value) }
        return number.value
    }

    private struct Unexpected: Error { var value: JSONValue }

    private func strtodValue(_ text: String) -> Double {
        text.withCString { strtod($0, nil) }
    }

    private func expectSameAsStrtod(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ours = try parsed(text)
        let reference = strtodValue(text)
        #expect(ours.bitPattern == reference.bitPattern, "\(text): \(ours) vs strtod \(reference)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.2", "0.3", "1e22", "1e23", "9007199254740993",
        "9007199254740992", "123456789012345678", "1234567890123456789", "12345678901234567890",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "2.2250738585072012e-308",
        "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309",
        "1e-324", "5e-324", "3e-324", "0.000000000000000000000000000000000000001",
        "3.4028234663852886e+38", "0.10000000149011612", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
        "7.3177701707893310e+15", "9.5e-1", "4.35679e-3", "1448997445238699", "1e-5", "1e-7",
        "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000247032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996189898282347722858865463328355177969898199387398005390939063150356595155702263922908583924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037063119282795585513329278343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378573934507363390079677619305775067401763246736009689513405355374585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249126236538818796362393732804238910186723484976682350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854513962138377228261454376934125320985913276672363281255",
    ])
    func edgeCases_MatchStrtod(text: String) throws {
        try expectSameAsStrtod(text)
    }

    @Test func randomDoublesPrintedWithEveryPrecision_MatchStrtod() throws {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        var checked = 0
        for _ in 0..<4_000 {
            let bits = UInt64.random(in: 0..<0x7FF0_0000_0000_0000, using: &generator)
            let value = Double(bitPattern: bits)
            for digits in [1, 6, 9, 15, 16, 17, 18, 19, 20, 25] {
                var buffer = [CChar](repeating: 0, count: 64)
                _ = withVaList([value]) { vsnprintf(&buffer, 64, "%.\(digits - 1)e", $0) }
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                try expectSameAsStrtod(text)
                checked += 1
            }
        }
        #expect(checked == 40_000)
    }

    @Test func randomDecimalSpellings_MatchStrtod() throws {
        var generator = SeededGenerator(seed: 0x5EED_0002)
        let digitChars = Array("0123456789")
        for _ in 0..<30_000 {
            let integerDigits = Int.random(in: 1...22, using: &generator)
            var text = String(digitChars[Int.random(in: 1...9, using: &generator)])
            for _ in 1..<integerDigits { text.append(digitChars[Int.random(in: 0...9, using: &generator)]) }
            if Bool.random(using: &generator) {
                text.append(".")
                for _ in 0..<Int.random(in: 1...22, using: &generator) {
                    text.append(digitChars[Int.random(in: 0...9, using: &generator)])
                }
            }
            text.append("e\(Int.random(in: -345...310, using: &generator))")
            try expectSameAsStrtod(text)
        }
    }

    @Test func floatHalfwayCases_RoundThroughDoubleLikePython() throws {
        // 1 + 2^-24 + 2^-60: directly to float it rounds up; through double (as Python's json
        // then torch.tensor do) it first becomes 1 + 2^-24, a float tie, which rounds to 1.
        let array = try JSONReader.parse(Array("[1.00000005960464477539062500000000000000000000000000000000086736173798840354720596224069595336914062]".utf8))
        guard case .numbers(let numbers) = array else { Issue.record("not packed"); return }
        #expect(numbers.values[0] == 1.0000000596046448)
        #expect(numbers.floatValues()[0] == 1.0)
    }

    // MARK: The tensor fast path (PlainNumberScanner)

    /// Random spellings of every form the fast path takes or hands back: Python's repr of
    /// float32 values, shortest float32 digits, fixed and scientific printf forms with 1 to 21
    /// digits, integers, leading zeros after the point, and explicit exponent signs.
    private func mixedSpellings(count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        var texts: [String] = []
        for _ in 0..<count {
            let bits = UInt32.random(in: 0..<0x7F80_0000, using: &generator)
            let float = Float(bitPattern: bits) * (Bool.random(using: &generator) ? 1 : -1)
            let scale = [1.0, 1e-3, 1e-5, 1e3, 1e7, 1e-30, 1e30][Int.random(in: 0..<7, using: &generator)]
            let value = Double(Float(bitPattern: UInt32.random(in: 0x3F80_0000..<0x4000_0000, using: &generator))) * scale
            let digits = Int.random(in: 1...21, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0: texts.append("\(Double(float))")  // Python's repr of a float32 as a float
            case 1: texts.append("\(float)")  // shortest float32 digits
            case 2: texts.append(String(format: "%.\(digits)f", value))
            case 3: texts.append(String(format: "%.\(digits - 1)e", -value))
            case 4: texts.append(String(format: "%.\(digits - 1)E", value).replacingOccurrences(of: "E+", with: "E"))
            case 5: texts.append("\(Int64.random(in: -99_999_999_999...99_999_999_999, using: &generator) >> Int64.random(in: 0...36, using: &generator))")
            default: texts.append("0.\(String(repeating: "0", count: Int.random(in: 0...6, using: &generator)))\(UInt64.random(in: 1...999_999_999_999, using: &generator))")
            }
        }
        return texts.filter { !$0.contains("inf") && !$0.contains("nan") }
    }

    @Test func numbersInLongArrays_MatchStrtodAndKeepTheirSpelling() throws {
        // Long runs go through the fast path; each number alone goes through readNumber.
        for separator in [", ", ","] {
            let texts = mixedSpellings(count: 20_000, seed: separator == "," ? 0x5EED_0003 : 0x5EED_0004)
            let array = try JSONReader.parse(Array(("[" + texts.joined(separator: separator) + "]").utf8))
            guard case .numbers(let numbers) = array else { Issue.record("not packed"); return }
            #expect(numbers.values.count == texts.count)
            var mismatches = 0
            for (text, value) in zip(texts, numbers.values) where value.bitPattern != strtodValue(text).bitPattern {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(text): \(value) vs strtod \(strtodValue(text))") }
            }
            #expect(mismatches == 0)
            let integers = texts.allSatisfy { !$0.contains(".") && !$0.contains("e") && !$0.contains("E") }
            #expect(numbers.allIntegers == integers)
        }
        let expected: [Double] = (0..<1_000).map { (i: Int) -> Double in Double(i * 7919 - 500_000) }
        let integers = expected.map { String(Int($0)) }
        let packed = try JSONReader.parse(Array(("[" + integers.joined(separator: ", ") + "]").utf8))
        guard case .numbers(let integerArray) = packed else { Issue.record("not packed"); return }
        #expect(integerArray.allIntegers)
        #expect(integerArray.values == expected)
    }

    @Test(arguments: [
        ("01", JSONParseError.Kind.leadingZero), ("-01.5", .leadingZero), ("1.", .invalidNumber),
        ("1.e5", .invalidNumber), ("1e", .invalidNumber), ("1e+", .invalidNumber), ("-", .invalidNumber),
        ("-x", .invalidNumber), ("1.5x", .unexpectedCharacter(UInt8(ascii: "x"))), ("+1", .unexpectedCharacter(UInt8(ascii: "+"))),
    ])
    func badNumbersInLongArrays_AreReportedAtTheirElement(bad: String, kind: JSONParseError.Kind) {
        // The bad number sits among fast-path numbers, far from the end of the document.
        var items = Array(repeating: "-0.27413785457611084", count: 100)
        items[40] = bad
        let text = "[" + items.joined(separator: ", ") + "]"
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8)) }
        do {
            _ = try JSONReader.parse(Array(text.utf8))
        } catch {
            #expect(error.kind == kind, "\(bad)")
            // A number that ended well is counted; the byte after it is then the error.
            #expect(error.pointer == (bad == "1.5x" ? "/41" : "/40"), "\(bad)")
        }
    }

    @Test func longSpellings_AndOddWhitespace_LeaveTheFastPathCorrectly() throws {
        // 20+ digits, 8+ integer digits, 5-digit exponents, newlines and tabs between numbers.
        let texts = [
            "0.00012345678901234567891", "123456789.5", "-98765432101234", "1e-00005", "2.5E+00003",
            "0.1000000000000000055511151231257827", "99999999999999999999", "-0.0", "0", "7",
        ]
        let padded = texts + Array(repeating: "1.5", count: 20)
        let text = "[" + padded.joined(separator: " ,\n\t") + "]"
        let array = try JSONReader.parse(Array(text.utf8))
        guard case .numbers(let numbers) = array else { Issue.record("not packed"); return }
        for (index, spelling) in texts.enumerated() {
            #expect(numbers.values[index].bitPattern == strtodValue(spelling).bitPattern, "\(spelling)")
        }
    }
}
