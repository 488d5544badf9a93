import Glibc
import LossAPI
import LossTestSupport
import Testing

/// Number decoding is correctly rounded: every spelling gives the double glibc's `strtod`
/// (correctly rounded) gives, across the fast path, Eisel-Lemire and the fallback.
@Suite struct CodecsJSONNumberTests {
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
}
