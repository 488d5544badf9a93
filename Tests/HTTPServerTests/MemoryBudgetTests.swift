import Foundation
import Glibc
import Testing

@testable import HTTPServer

/// The process-wide memory budget: its arithmetic, and over real sockets the three points where a
/// request reserves (declared body, inflated body, handler working set).
@Suite struct MemoryBudgetTests {
    @Test func budget_GrantsWhatFits_RefusesWhatDoesNot_ExceptToTheOnlyHolder() {
        let budget = MemoryBudget(capacity: 100)
        #expect(budget.reserve(60, holding: 0))
        #expect(!budget.reserve(50, holding: 0), "60 + 50 is over 100 and another request holds the 60")
        #expect(budget.reserve(40, holding: 0))
        #expect(budget.reservedBytes == 100)
        budget.release(100)
        #expect(budget.reserve(500, holding: 0), "alone, a request larger than the budget is still served")
        #expect(budget.reserve(500, holding: 500), "and may grow while it holds every reserved byte")
        #expect(!budget.reserve(1, holding: 0), "nobody else fits meanwhile")
        budget.release(1000)
        #expect(budget.reservedBytes == 0)
    }

    @Test func lease_GivesEverythingBack_WhenReleasedOrDropped() {
        let budget = MemoryBudget(capacity: 100)
        var lease: MemoryLease? = MemoryLease(budget: budget)
        #expect(lease!.grow(to: 30))
        #expect(lease!.grow(to: 20), "a smaller total keeps what is held")
        #expect(lease!.bytes == 30 && budget.reservedBytes == 30)
        let other = MemoryLease(budget: budget)
        #expect(!other.grow(to: 80))
        #expect(other.bytes == 0 && budget.reservedBytes == 30, "a refused growth reserves nothing")
        lease = nil
        #expect(budget.reservedBytes == 0, "a dropped lease gives its bytes back")
        #expect(other.grow(to: 80))
        other.releaseAll()
        #expect(budget.reservedBytes == 0)
    }

    @Test func inflater_StopsWhenTheBudgetRefusesGrowth() {
        let body = Deflater.compress([UInt8](repeating: 7, count: 1 << 20), format: .gzip, level: 6)
        var asked: [Int] = []
        #expect(throws: InflateError.self) {
            _ = try Inflater.decompress(body, format: .gzip, limit: 1 << 21) { capacity in
                asked.append(capacity)
                return capacity <= 64 * 1024
            }
        }
        #expect(asked.last.map { $0 > 64 * 1024 } == true)
        do {
            _ = try Inflater.decompress(body, format: .gzip, limit: 1 << 21) { $0 <= 64 * 1024 }
            Issue.record("the inflater grew past what the budget allowed")
        } catch {
            #expect(error.code == .memoryBudgetExceeded)
        }
        let whole = try? Inflater.decompress(body, format: .gzip, limit: 1 << 21) { _ in true }
        #expect(whole?.count == 1 << 20)
    }

    /// A server whose budget holds one 600 KB body but not two.
    private func budgetConfiguration(workingSet: Int = 0) -> Server.Configuration {
        var configuration = testConfiguration()
        configuration.bodyTimeout = .seconds(5)
        configuration.memoryBudgetBytes = 1_000_000
        configuration.workingSetEstimate = { _ in workingSet }
        return configuration
    }

    @Test func declaredBody_ThatDoesNotFit_Is503BeforeItIsRead_AndTheBudgetEmptiesAfterwards() throws {
        try withServer(budgetConfiguration()) { server in
            // The first request declares 600 KB and sends only part of it: its bytes stay reserved.
            let holder = try RawClient(port: server.localPort)
            try holder.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 600000\n\n" + String(repeating: "a", count: 1000))
            #expect(eventually { server.reservedMemoryBytes == 600_000 })
            let refused = try RawClient(port: server.localPort)
            try refused.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 600000\n\n")
            let answer = try refused.readResponse()
            #expect(answer.status == 503, "\(answer.text)")
            #expect(answer.header("Retry-After") == "1")
            #expect(answer.header("Connection") == "close")
            #expect(try refused.isClosedByPeer())
            #expect(server.shedCount == 1)
            // A small request still fits beside the holder.
            let small = try RawClient(port: server.localPort)
            try small.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello")
            #expect(try small.readResponse().text == "hello")
            // The holder finishes, is answered, and gives its bytes back.
            try holder.send(String(repeating: "a", count: 599_000))
            #expect(try holder.readResponse().body.count == 600_000)
            #expect(eventually { server.reservedMemoryBytes == 0 })
        }
    }

    @Test func workingSet_ThatDoesNotFit_Is503AndTheConnectionStaysOpen() throws {
        try withServer(budgetConfiguration(workingSet: 700_000)) { server in
            let holder = try RawClient(port: server.localPort)
            try holder.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 400000\n\n")
            #expect(eventually { server.reservedMemoryBytes == 400_000 })
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello")
            let answer = try client.readResponse()
            #expect(answer.status == 503, "5 + 700,000 bytes do not fit beside the 400,000 held")
            #expect(answer.header("Retry-After") == "1")
            try holder.send(String(repeating: "b", count: 400_000))
            #expect(try holder.readResponse().status == 200, "alone, its working set is granted")
            #expect(eventually { server.reservedMemoryBytes == 0 })
            try client.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello")
            #expect(try client.readResponse().text == "hello", "the refused request's connection was kept")
        }
    }

    @Test func chunkedBody_ReservesAsItGrows() throws {
        try withServer(budgetConfiguration()) { server in
            let holder = try RawClient(port: server.localPort)
            try holder.send("POST /echo HTTP/1.1\nHost: x\nContent-Length: 600000\n\n")
            #expect(eventually { server.reservedMemoryBytes == 600_000 })
            let chunked = try RawClient(port: server.localPort)
            let chunk = String(repeating: "c", count: 100_000)
            try chunked.send("POST /echo HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n" + "186a0\n\(chunk)\n")
            let answer = try chunked.readResponse()
            #expect(answer.status == 503, "the first megabyte of the chunked body does not fit beside 600,000 bytes")
            #expect(try chunked.isClosedByPeer())
        }
    }
}
