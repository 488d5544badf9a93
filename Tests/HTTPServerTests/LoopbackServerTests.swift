import Foundation
import Testing

@testable import HTTPServer

/// HTTP/1.1 behaviour over real loopback sockets.
@Suite struct LoopbackServerTests {
    @Test func keepAlive_ServesManyRequestsOnOneConnection() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            for index in 0..<5 {
                try client.send("GET /info?i=\(index) HTTP/1.1\nHost: t\n\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "GET /info i=\(index) HTTP/1.1 body=0")
                #expect(response.header("Connection") == nil)
            }
            #expect(server.openConnectionCount == 1)
        }
    }

    @Test func everyResponse_HasDateAndContentLength() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\nHost: t\n\n")
            let response = try client.readResponse()
            #expect(response.header("Content-Length") == String(response.body.count))
            let date = try #require(response.header("Date"))
            #expect(date.hasSuffix(" GMT") && date.count == 29, "IMF-fixdate: \(date)")
        }
    }

    @Test func pipelinedRequests_AreAnsweredInOrder() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send(
                "GET /info?n=1 HTTP/1.1\nHost: t\n\nPOST /echo HTTP/1.1\nHost: t\nContent-Length: 3\n\nabcGET /info?n=3 HTTP/1.1\nHost: t\n\n"
            )
            #expect(try client.readResponse().text.hasPrefix("GET /info n=1"))
            #expect(try client.readResponse().text == "abc")
            #expect(try client.readResponse().text.hasPrefix("GET /info n=3"))
        }
    }

    /// A head is read 16 KiB at a time, and a body remainder of 4 KiB or more is read straight
    /// into the request's buffer once nothing else is buffered: small bodies that stay in the
    /// input buffer, remainders just above and below 4 KiB and 64 KiB, whole, in small drips,
    /// with the next request pipelined behind, and above the 4 MiB presize limit (which grows as
    /// it comes instead).
    @Test(arguments: [
        (3_000, 0), (20_000, 0), (20_000, 997), (16_384 + 4_000, 0), (16_384 + 4_200, 0), (100_000, 0),
        (16_384 + 65_536, 0), (1_000_003, 7_919), (5 * 1024 * 1024 + 1, 0),
    ])
    func largeBodies_ArriveIntact(size: Int, drip: Int) throws {
        var configuration = testConfiguration()
        configuration.maxBodyBytes = 8 * 1024 * 1024
        // The body is made before connecting: making 5 MiB in a debug build on a busy machine took
        // longer than the harness's 2 s idle timeout, which closed the silent connection (EPIPE).
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            let head = Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n".utf8)
            let next = Array("GET /info?after=1 HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            let stream = head + body + next
            if drip == 0 {
                try client.send(stream)
            } else {
                var offset = 0
                while offset < stream.count {
                    try client.send(Array(stream[offset..<min(stream.count, offset + drip)]))
                    offset += drip
                }
            }
            let echoed = try client.readResponse()
            #expect(echoed.status == 200)
            #expect(echoed.body.count == size)
            #expect(echoed.body == body)
            #expect(try client.readResponse().text.hasPrefix("GET /info after=1"))
        }
    }

    @Test func chunkedUpload_IsDechunkedWithTrailers() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n4\nloss\n2;x=1\nd!\n0\nX-Trailer: t\n\n")
            #expect(try client.readResponse().text == "lossd!")
        }
    }

    @Test func chunkedUpload_WithCurl_ArrivesIntact() throws {
        try withServer { server in
            let payload = String(repeating: "0123456789", count: 20_000)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lossd-chunked-\(UUID()).txt")
            try Data(payload.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try curl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file.path)", "http://127.0.0.1:\(server.localPort)/echo"])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output == Data(payload.utf8))
        }
    }

    @Test func expect100Continue_IsAnsweredBeforeTheBody() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nExpect: 100-continue\nContent-Length: 5\n\n")
            #expect(try client.readResponse().status == 100)
            try client.send(Array("hello".utf8))
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func expect100Continue_WithCurl_GetsAnInterimResponse() throws {
        try withServer { server in
            let payload = Data(repeating: 0x61, count: 300_000)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("lossd-continue-\(UUID()).bin")
            try payload.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            // --expect100-timeout 30: if the server did not send 100, curl would stall 30 s and
            // --max-time 10 would fail the run; -v shows the interim response.
            let result = try curl([
                "-v", "--expect100-timeout", "30", "-H", "Expect: 100-continue", "--data-binary", "@\(file.path)",
                "http://127.0.0.1:\(server.localPort)/echo",
            ])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.errors.contains("HTTP/1.1 100 Continue"))
            #expect(result.output == payload)
        }
    }

    @Test func head_HasContentLengthButNoBody() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("HEAD /big HTTP/1.1\nHost: t\n\nGET /info HTTP/1.1\nHost: t\n\n")
            let head = try client.readResponse(forHead: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "12000")
            #expect(try client.readResponse().text.hasPrefix("GET /info"), "nothing of the HEAD body was sent")
        }
    }

    @Test func http10_ClosesAfterTheResponse_UnlessKeepAlive() throws {
        try withServer { server in
            let closing = try RawClient(port: server.localPort)
            try closing.send("GET /info HTTP/1.0\n\n")
            let response = try closing.readResponse()
            #expect(response.text.hasSuffix("HTTP/1.0 body=0"))
            #expect(response.header("Connection") == "close")
            #expect(try closing.isClosedByPeer())

            let keeping = try RawClient(port: server.localPort)
            try keeping.send("GET /info HTTP/1.0\nConnection: keep-alive\n\n")
            #expect(try keeping.readResponse().header("Connection") == "keep-alive")
            try keeping.send("GET /info HTTP/1.0\nConnection: keep-alive\n\n")
            #expect(try keeping.readResponse().status == 200)
        }
    }

    @Test func connectionClose_ClosesAfterTheResponse() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\nHost: t\nConnection: close\n\nGET /info HTTP/1.1\nHost: t\n\n")
            let response = try client.readResponse()
            #expect(response.header("Connection") == "close")
            #expect(try client.isClosedByPeer(), "the pipelined request after close is not answered")
        }
    }

    @Test func query_IsPercentDecoded_AndHeadersCaseInsensitive() throws {
        let handler: Handler = { request in
            let text = "\(request.path)|\(request.queryValue("q") ?? "-")|\(request.queryValue("empty") ?? "-")|\(request.headers["x-custom"] ?? "-")"
            return Response(status: 200, contentType: "text/plain", body: text)
        }
        try withServer(handler: handler) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /a%20b/c?q=1%2B2+3&empty HTTP/1.1\nHost: t\nX-CUSTOM: yes\n\n")
            #expect(try client.readResponse().text == "/a b/c|1+2 3||yes")
        }
    }

    @Test func ipv6Listener_ServesRequests() throws {
        var configuration = testConfiguration()
        configuration.host = "::1"
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort, host: "::1")
            try client.send("GET /info HTTP/1.1\nHost: [::1]\n\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func handlerHeaders_CannotBreakFraming() throws {
        let handler: Handler = { _ in
            Response(status: 200, headers: ["Content-Length": "999", "Transfer-Encoding": "chunked", "X-Evil": "a\r\nSet-Cookie: x"], body: Array("ok".utf8))
        }
        try withServer(handler: handler) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET / HTTP/1.1\nHost: t\n\n")
            let response = try client.readResponse()
            #expect(response.header("Content-Length") == "2")
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.header("Set-Cookie") == nil)
            #expect(response.text == "ok")
        }
    }

    @Test func observer_ReportsEachResponse() throws {
        let events = EventLog()
        var configuration = testConfiguration()
        configuration.onResponse = { events.append($0) }
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nContent-Length: 4\n\nabcd")
            _ = try client.readResponse()
            try client.send("GET /info HTTP/1.1\nHost : t\n\n")
            _ = try client.readResponse()
        }
        let recorded = events.events
        #expect(recorded.map(\.status) == [200, 400])
        #expect(recorded.first?.request?.path == "/echo")
        #expect(recorded.first?.uncompressedBodyBytes == 4)
        #expect(recorded.first?.handlerDuration != nil)
        #expect(recorded.last?.request == nil, "a framing error has no request")
        #expect((recorded.first?.bytesIn ?? 0) > 4)
    }
}

/// Collects observer events from connection queues.
final class EventLog: @unchecked Sendable {
    // `lock` guards `stored`.
    private let lock = NSLock()
    private var stored: [ResponseEvent] = []

    func append(_ event: ResponseEvent) {
        lock.withLock { stored.append(event) }
    }

    var events: [ResponseEvent] { lock.withLock { stored } }
}
