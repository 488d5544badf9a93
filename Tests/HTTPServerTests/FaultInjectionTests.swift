import Foundation
import Glibc
import Synchronization
import Testing

@testable import HTTPServer

/// System-call failures that loopback rarely produces, injected through one server's
/// `Server.Configuration.syscalls`: every request is still answered intact, or only the
/// connection concerned is closed, and the server goes on serving.
@Suite("System-call fault injection", .timeLimit(.minutes(1)))
struct FaultInjectionTests {
    /// Call counts per system call, and a switch for faults that tests turn on and off.
    final class Plan: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        private let enabled = Atomic<Bool>(true)

        /// Counts a call to `name`; returns its number, from 1.
        func call(_ name: String) -> Int {
            counts.withLock { counts in
                counts[name, default: 0] += 1
                return counts[name]!
            }
        }

        func count(_ name: String) -> Int { counts.withLock { $0[name] ?? 0 } }
        var isOn: Bool { enabled.load(ordering: .relaxed) }
        func turnOff() { enabled.store(false, ordering: .relaxed) }
    }

    /// Sets `errno` and returns -1, as a failing C call does.
    static func fail<T: SignedInteger>(_ code: CInt) -> T {
        errno = code
        return -1
    }

    /// `sendmsg` of at most `limit` bytes of the message's buffers.
    static func shortSend(_ fd: CInt, _ message: UnsafePointer<msghdr>?, _ flags: CInt, limit: Int) -> Int {
        var copy = message!.pointee
        var vectors = (0..<Int(copy.msg_iovlen)).map { copy.msg_iov[$0] }
        var room = limit
        for i in vectors.indices {
            vectors[i].iov_len = min(vectors[i].iov_len, room)
            room -= vectors[i].iov_len
        }
        return vectors.withUnsafeMutableBufferPointer { buffer in
            copy.msg_iov = buffer.baseAddress
            return Glibc.sendmsg(fd, &copy, flags)
        }
    }

    static func configuration(_ syscalls: Syscalls) -> Server.Configuration {
        var configuration = testConfiguration()
        configuration.syscalls = syscalls
        // Room for bodies read a few bytes at a time.
        configuration.headerTimeout = .seconds(10)
        configuration.bodyTimeout = .seconds(10)
        return configuration
    }

    /// Keep-alive requests with bodies, pipelined requests and a large answer, all intact.
    static func exerciseOneConnection(_ server: Server) throws {
        let client = try RawClient(port: server.localPort)
        for size in [0, 1, 5_000, 100_000, 300_001] {
            let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            try client.send(Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n".utf8) + body)
            let response = try client.readResponse()
            let intact = response.status == 200 && response.body == body
            #expect(intact, "echo of \(size) bytes: status \(response.status), \(response.body.count) bytes back")
        }
        try client.send("GET /info?n=1 HTTP/1.1\nHost: t\n\nGET /big HTTP/1.1\nHost: t\n\nGET /info?n=3 HTTP/1.1\nHost: t\n\n")
        #expect(try client.readResponse().text.hasPrefix("GET /info n=1"))
        #expect(try client.readResponse().text == String(repeating: "lossd ", count: 2000))
        #expect(try client.readResponse().text.hasPrefix("GET /info n=3"))
    }

    @Test("EINTR on every other accept, recv and sendmsg is retried")
    func interruptedCalls() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { plan.call("accept") % 2 == 1 ? Self.fail(EINTR) : Glibc.accept($0, $1, $2) },
            recv: { plan.call("recv") % 2 == 1 ? Self.fail(EINTR) : Glibc.recv($0, $1, $2, $3) },
            sendmsg: { plan.call("sendmsg") % 2 == 1 ? Self.fail(EINTR) : Glibc.sendmsg($0, $1, $2) }
        )
        try withServer(Self.configuration(syscalls)) { server in try Self.exerciseOneConnection(server) }
        #expect(plan.count("recv") > 10 && plan.count("sendmsg") > 10 && plan.count("accept") >= 2)
    }

    @Test("short reads (7 bytes, then 997) and writes of at most 1000 bytes still carry every byte")
    func shortTransfers() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { Glibc.accept($0, $1, $2) },
            // 7-byte reads through the heads and small bodies, then 997 so large bodies take
            // hundreds of reads rather than tens of thousands.
            recv: { Glibc.recv($0, $1, min($2, plan.call("recv") <= 1_000 ? 7 : 997), $3) },
            sendmsg: { _ = plan.call("sendmsg"); return Self.shortSend($0, $1, $2, limit: 1000) }
        )
        try withServer(Self.configuration(syscalls)) { server in try Self.exerciseOneConnection(server) }
        #expect(plan.count("recv") > 1_000 + 400_000 / 997)
        #expect(plan.count("sendmsg") > 400_000 / 1000)
    }

    @Test("EAGAIN on every other recv and sendmsg waits for the socket and goes on")
    func wouldBlock() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { Glibc.accept($0, $1, $2) },
            recv: { plan.call("recv") % 2 == 1 ? Self.fail(EAGAIN) : Glibc.recv($0, $1, $2, $3) },
            sendmsg: { plan.call("sendmsg") % 2 == 1 ? Self.fail(EAGAIN) : Self.shortSend($0, $1, $2, limit: 50_000) }
        )
        try withServer(Self.configuration(syscalls)) { server in try Self.exerciseOneConnection(server) }
        #expect(plan.count("sendmsg") > 10)
    }

    @Test("a reset while reading closes that connection only")
    func resetWhileReading() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { Glibc.accept($0, $1, $2) },
            recv: { plan.isOn ? Self.fail(ECONNRESET) : Glibc.recv($0, $1, $2, $3) },
            sendmsg: { Glibc.sendmsg($0, $1, $2) }
        )
        try Self.expectOnlyTheFaultyConnectionCloses(plan, syscalls, request: "GET /info HTTP/1.1\nHost: t\n\n")
    }

    @Test("EPIPE in the middle of an answer closes that connection only")
    func brokenPipeWhileWriting() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { Glibc.accept($0, $1, $2) },
            recv: { Glibc.recv($0, $1, $2, $3) },
            // While on: the first write sends 1000 bytes, every later one fails.
            sendmsg: { plan.isOn && plan.call("sendmsg") > 1 ? Self.fail(EPIPE) : Self.shortSend($0, $1, $2, limit: plan.isOn ? 1000 : .max) }
        )
        try Self.expectOnlyTheFaultyConnectionCloses(plan, syscalls, request: "GET /big HTTP/1.1\nHost: t\n\n")
    }

    /// With the plan's faults on, `request` gets no complete answer; with them off, a new
    /// connection is served in full, and no connection is left open.
    static func expectOnlyTheFaultyConnectionCloses(_ plan: Plan, _ syscalls: Syscalls, request: String) throws {
        try withServer(configuration(syscalls)) { server in
            let doomed = try RawClient(port: server.localPort)
            try doomed.send(request)
            #expect(throws: ClientError.self) { try doomed.readResponse() }
            plan.turnOff()
            try exerciseOneConnection(server)
            #expect(eventually { server.openConnectionCount == 0 })
        }
    }

    @Test("out of descriptors: accepting pauses instead of spinning, then serves the waiting client")
    func descriptorsExhausted() throws {
        let plan = Plan()
        let syscalls = Syscalls(
            accept: { _ = plan.call("accept"); return plan.isOn ? Self.fail(EMFILE) : Glibc.accept($0, $1, $2) },
            recv: { Glibc.recv($0, $1, $2, $3) },
            sendmsg: { Glibc.sendmsg($0, $1, $2) }
        )
        try withServer(Self.configuration(syscalls)) { server in
            // The kernel completes the handshake into the backlog; accept keeps failing for 300 ms.
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info?waited=1 HTTP/1.1\nHost: t\n\n")
            Thread.sleep(forTimeInterval: 0.3)
            let attempts = plan.count("accept")
            plan.turnOff()
            // A 50 ms pause between attempts makes about 6 in 300 ms; spinning makes thousands.
            #expect(attempts >= 2 && attempts < 40, "\(attempts) accept attempts in 300 ms")
            #expect(try client.readResponse().text.hasPrefix("GET /info waited=1"))
        }
    }
}
