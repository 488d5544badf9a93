@testable import LossAPI
import Synchronization
import Testing

/// `MetricHandles` makes each key's handles once and hands the same ones back.
struct OpsMetricHandlesTests {
    final class Handle: Sendable {
        let key: String
        init(key: String) { self.key = key }
    }

    @Test func sameKey_GivesTheSameHandles_DifferentKeysTheirOwn() async {
        let made = Atomic<Int>(0)
        let handles = MetricHandles { (key: String) in
            made.add(1, ordering: .relaxed)
            return Handle(key: key)
        }
        let first = handles["/v1/loss/{name}"]
        #expect(handles["/v1/loss/{name}"] === first)
        #expect(handles["/healthz"].key == "/healthz")
        #expect(handles["/healthz"] !== first)
        #expect(made.load(ordering: .relaxed) == 2)
        // Concurrent first use: every caller gets the one handle that was kept.
        let racing = MetricHandles { (key: Int) in Handle(key: String(key)) }
        let seen = await withTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<64 { group.addTask { ObjectIdentifier(racing[7]) } }
            return await Set(group.reduce(into: []) { $0.append($1) })
        }
        #expect(seen.count == 1)
    }
}
