import Foundation
import Glibc
import Testing

@testable import HTTPServer

/// Shutdown and client disconnects over real sockets.
@Suite struct LoopbackLifecycleTests {
    @Test func shutdown_FinishesInFlight_ClosesIdle_RefusesNew() throws {
        let started = DispatchSemaphore(value: 0)
        let handler: Handler = { request in
            if request.path == "/slow" {
                started.signal()
                usleep(200_000)
            }
            return echoHandler(request)
        }
        let server = Server(configuration: testConfiguration(), handler: handler)
        try server.start()
        let port = server.localPort
        let idle = try RawClient(port: port)
        try idle.send("GET /info HTTP/1.1\nHost: t\n\n")
        _ = try idle.readResponse()
        let busy = try RawClient(port: port)
        try busy.send("GET /slow HTTP/1.1\nHost: t\n\n")
        started.wait()
        let stopper = Thread { server.shutdown(deadline: .seconds(5)) }
        stopper.start()
        let response = try busy.readResponse()
        #expect(response.status == 200, "the in-flight request completes")
        #expect(response.header("Connection") == "close")
        #expect(try busy.isClosedByPeer())
        #expect(try idle.isClosedByPeer(), "idle keep-alive connections are closed")
        #expect(eventually { server.openConnectionCount == 0 })
        #expect(throws: (any Error).self, "the listener is closed") { _ = try RawClient(port: port) }
    }

    @Test func shutdown_Deadline_ClosesStuckConnections() throws {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let server = Server(configuration: testConfiguration()) { request in
            started.signal()
            release.wait()
            return echoHandler(request)
        }
        try server.start()
        let client = try RawClient(port: server.localPort)
        try client.send("GET /info HTTP/1.1\nHost: t\n\n")
        started.wait()
        server.shutdown(deadline: .milliseconds(100))
        #expect(server.openConnectionCount == 0, "shutdown returns once every connection is closed")
        #expect(try client.isClosedByPeer())
        release.signal()
    }

    @Test func shutdown_BeforeStart_AndTwice_IsHarmless() throws {
        let server = Server(configuration: testConfiguration(), handler: echoHandler)
        server.shutdown(deadline: .milliseconds(10))
        server.shutdown(deadline: .milliseconds(10))
        #expect(throws: ServerError.self) { try server.start() }
    }

    @Test func startTwice_AndBadAddress_Throw() throws {
        try withServer { server in
            #expect(throws: ServerError.self) { try server.start() }
        }
        var configuration = testConfiguration()
        configuration.host = "not-an-ip"
        #expect(throws: ServerError.self) { try Server(configuration: configuration, handler: echoHandler).start() }
    }

    @Test func portInUse_ThrowsBindFailed() throws {
        try withServer { server in
            var configuration = testConfiguration()
            configuration.port = server.localPort
            let error = #expect(throws: ServerError.self) { try Server(configuration: configuration, handler: echoHandler).start() }
            #expect(error?.kind == .bindFailed)
        }
    }

    @Test func clientDisconnect_MidRequest_CostsOnlyItsConnection() throws {
        try withServer { server in
            do {
                let quitter = try RawClient(port: server.localPort)
                try quitter.send("POST /echo HTTP/1.1\nHost: t\nContent-Length: 1000\n\nabc")
            }  // closed here with the body unfinished
            #expect(eventually { server.openConnectionCount == 0 })
            let other = try RawClient(port: server.localPort)
            try other.send("GET /info HTTP/1.1\nHost: t\n\n")
            #expect(try other.readResponse().status == 200)
        }
    }

    @Test func clientDisconnect_MidResponse_CostsOnlyItsConnection() throws {
        let big = [UInt8](repeating: 0x78, count: 8 * 1024 * 1024)
        let handler: Handler = { request in
            request.path == "/huge" ? Response(status: 200, body: big) : echoHandler(request)
        }
        try withServer(handler: handler) { server in
            do {
                let quitter = try RawClient(port: server.localPort)
                try quitter.send("GET /huge HTTP/1.1\nHost: t\n\n")
                var partial = [UInt8](repeating: 0, count: 1000)
                _ = recv(quitter.fd, &partial, partial.count, 0)
            }  // closed after reading 1000 of 8 MiB bytes
            #expect(eventually { server.openConnectionCount == 0 })
            let other = try RawClient(port: server.localPort)
            try other.send("GET /info HTTP/1.1\nHost: t\n\n")
            #expect(try other.readResponse().status == 200)
        }
    }

    @Test func clientHalfClose_AfterRequest_StillGetsTheResponse() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nContent-Length: 2\n\nhi")
            client.shutdownWrite()
            let response = try client.readResponse()
            #expect(response.text == "hi")
            #expect(try client.isClosedByPeer())
        }
    }

    @Test func clientNotReading_IsDroppedAfterWriteTimeout() throws {
        var configuration = testConfiguration()
        configuration.writeTimeout = .milliseconds(300)
        let big = [UInt8](repeating: 0x78, count: 32 * 1024 * 1024)
        try withServer(configuration, handler: { _ in Response(status: 200, body: big) }) { server in
            let client = try RawClient(port: server.localPort)
            var size: CInt = 4096
            setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
            try client.send("GET / HTTP/1.1\nHost: t\n\n")
            #expect(eventually { server.openConnectionCount == 0 }, "a stalled reader does not hold its connection forever")
        }
    }
}
