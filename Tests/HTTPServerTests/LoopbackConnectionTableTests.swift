import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

@testable import HTTPServer

/// The connection table against silent and idle connections over real sockets: the first-byte
/// timeout, eviction of the longest-idle connection when the table is full, the probe reserve,
/// and the drop reports.
@Suite struct LoopbackConnectionTableTests {
    /// The drops reported through `onConnectionDropped`, in order.
    final class Drops: @unchecked Sendable {
        // `lock` guards `reasons`.
        private let lock = NSLock()
        private var reasons: [ConnectionDrop.Reason] = []
        func record(_ drop: ConnectionDrop) { lock.withLock { reasons.append(drop.reason) } }
        var value: [ConnectionDrop.Reason] { lock.withLock { reasons } }
    }

    /// A test configuration whose drops are recorded in `drops`; the keep-alive idle timeout is
    /// a minute, so that only the first-byte timeout or an eviction can close an idle connection
    /// within a test.
    private func configuration(_ drops: Drops) -> Server.Configuration {
        var configuration = testConfiguration()
        configuration.idleTimeout = .seconds(60)
        configuration.firstByteTimeout = .seconds(60)
        configuration.onConnectionDropped = { drops.record($0) }
        return configuration
    }

    private func get(_ client: RawClient, _ path: String = "/info") throws -> ClientResponse {
        try client.send("GET \(path) HTTP/1.1\nHost: t\n\n")
        return try client.readResponse()
    }

    @Test func silentConnection_IsClosedAtTheFirstByteTimeout() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.firstByteTimeout = .milliseconds(200)
        try withServer(configuration) { server in
            let silent = try RawClient(port: server.localPort)
            #expect(try silent.isClosedByPeer(), "closed without an answer, long before the idle timeout")
            #expect(eventually { server.openConnectionCount == 0 })
        }
        #expect(drops.value == [.firstByteTimeout])
    }

    @Test func connectionThatSpeaks_IsNotDroppedAsSilent() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.firstByteTimeout = .milliseconds(200)
        configuration.idleTimeout = .milliseconds(400)
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            #expect(try get(client).status == 200)
            #expect(try client.isClosedByPeer(), "closed by the keep-alive idle timeout")
        }
        #expect(drops.value.isEmpty, "an idle timeout is a normal end, not a drop")
    }

    @Test func fullTable_EvictsTheLongestIdleConnection_SilentOrKeepAlive() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.maxConnections = 2
        configuration.probeReserveConnections = 0
        try withServer(configuration) { server in
            let silent = try RawClient(port: server.localPort)
            #expect(eventually { server.openConnectionCount == 1 })
            let keepAlive = try RawClient(port: server.localPort)
            #expect(try get(keepAlive).status == 200)
            let third = try RawClient(port: server.localPort)
            #expect(try get(third).status == 200, "served: the silent connection, idle longest, made room")
            #expect(try silent.isClosedByPeer())
            let fourth = try RawClient(port: server.localPort)
            #expect(try get(fourth).status == 200, "served: the keep-alive connection, idle longest now, made room")
            #expect(try keepAlive.isClosedByPeer())
            #expect(try get(third).status == 200, "the connection in use stays")
        }
        #expect(drops.value == [.evictedSilent, .evictedIdle])
    }

    @Test func fullTable_DoesNotEvictAConnectionWhoseRequestWaitsUnread() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.maxConnections = 1
        configuration.probeReserveConnections = 0
        // While held, the server's reads find nothing (EAGAIN): a request sent meanwhile waits in
        // the socket, as it does when the connection's queue has not come to it yet.
        let holdReads = Atomic<Bool>(false)
        configuration.syscalls.recv = { fd, buffer, length, flags in
            if holdReads.load(ordering: .relaxed) {
                errno = EAGAIN
                return -1
            }
            return Glibc.recv(fd, buffer, length, flags)
        }
        try withServer(configuration) { server in
            let first = try RawClient(port: server.localPort)
            #expect(eventually { server.openConnectionCount == 1 })
            holdReads.store(true, ordering: .relaxed)
            try first.send("GET /info HTTP/1.1\nHost: t\n\n")
            let second = try RawClient(port: server.localPort)
            #expect(try second.readResponse().status == 503, "no idle connection to evict: refused")
            holdReads.store(false, ordering: .relaxed)
            #expect(try first.readResponse().status == 200, "the request waiting unread is answered")
        }
        #expect(drops.value == [.tableFull])
    }

    @Test func fullTableOfBusyConnections_ServesProbesFromTheReserve_AndRefusesTheRest() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.maxConnections = 1
        configuration.probeReserveConnections = 1
        configuration.bypassesAdmission = { $0.path == "/healthz" }
        let blocking = BlockingHandler()
        try withServer(configuration, handler: blocking.handler) { server in
            let busy = try RawClient(port: server.localPort)
            try busy.send("GET /block HTTP/1.1\nHost: t\n\n")
            blocking.waitUntilBlocked()
            for _ in 0..<3 {
                let probe = try RawClient(port: server.localPort)
                let answer = try get(probe, "/healthz")
                #expect(answer.status == 200, "a probe is answered while the only slot is busy")
                #expect(answer.header("Connection") == "close", "a reserve slot serves one probe")
                #expect(try probe.isClosedByPeer())
                #expect(eventually { server.openConnectionCount == 1 })
            }
            let other = try RawClient(port: server.localPort)
            let refused = try get(other, "/info")
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(try other.isClosedByPeer())
            #expect(eventually { server.openConnectionCount == 1 })
            blocking.release()
            #expect(try busy.readResponse().status == 200)
        }
        #expect(drops.value == [.tableFull])
    }

    @Test func fullTableAndReserve_RefuseWith503AtAccept() throws {
        let drops = Drops()
        var configuration = configuration(drops)
        configuration.maxConnections = 2
        configuration.probeReserveConnections = 0
        let blocking = BlockingHandler()
        try withServer(configuration, handler: blocking.handler) { server in
            let busy = try (0..<2).map { _ in try RawClient(port: server.localPort) }
            for client in busy {
                try client.send("GET /block HTTP/1.1\nHost: t\n\n")
                blocking.waitUntilBlocked()
            }
            let third = try RawClient(port: server.localPort)
            let response = try third.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Retry-After") == "1")
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(try third.isClosedByPeer())
            blocking.release(2)
            for client in busy {
                #expect(try client.readResponse().status == 200, "existing connections are unaffected")
            }
        }
        #expect(drops.value == [.tableFull])
    }
}
