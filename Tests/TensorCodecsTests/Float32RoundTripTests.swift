import TensorCodecs
import Testing

/// Every float32 of one binade, written with its shortest digits and read back, is the same
/// float: the writer's digits and the reader's rounding (to double, then to float, as
/// `torch.tensor(json.loads(text), dtype=torch.float32)` does) agree on all 2^23 of them.
@Suite struct Float32RoundTripTests {
    /// The binade [1, 2) (biased exponent 127): about 3 minutes in a debug build on a busy
    /// machine, which is why it is one binade.
    @Test func everyFloatOfABinade_RoundTrips() throws {
        let biasedExponent = 127
        let block = 1 << 20
        var buffer: [UInt8] = []
        for start in stride(from: 0, to: 1 << 23, by: block) {
            let floats = (start..<(start + block)).map { Float(bitPattern: UInt32(biasedExponent) << 23 | UInt32($0)) }
            buffer.removeAll(keepingCapacity: true)
            var writer = JSONWriter(buffer: buffer)
            writer.tensor(floats, shape: [block], form: .nested)
            buffer = writer.bytes
            guard case .numbers(let parsed) = try JSONReader.parse(buffer) else {
                Issue.record("not packed")
                return
            }
            let back = parsed.floatValues()
            let firstBad = (0..<block).first { back[$0].bitPattern != floats[$0].bitPattern }
            #expect(firstBad == nil, "\(firstBad.map { floats[$0] } ?? 0) came back as \(firstBad.map { back[$0] } ?? 0)")
        }
    }
}
