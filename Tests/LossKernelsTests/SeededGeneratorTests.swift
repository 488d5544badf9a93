import LossTestSupport
import Testing

@Test func seededGenerator_SameSeed_SameSequence() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    var c = SeededGenerator(seed: 43)
    let sa = (0..<8).map { _ in a.next() }
    #expect(sa == (0..<8).map { _ in b.next() })
    #expect(sa != (0..<8).map { _ in c.next() })
}
