import Foundation
import Glibc
import Testing

@testable import HTTPServer

/// Limits, timeouts and smuggling attempts over real sockets: each is answered by the server
/// itself, before any handler runs, and framing errors close the connection.
@Suite struct LoopbackLimitTests {
    /// A handler that records whether it ran.
    final class Calls: @unchecked Sendable {
        // `lock` guards `count`.
        private let lock = NSLock()
        private var count = 0
        func record() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }

    private func expectRefused(
        _ request: String, status: Int, configuration: Server.Configuration = testConfiguration(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let calls = Calls()
        let rejections = Rejections()
        var configuration = configuration
        configuration.errorResponse = { rejections.record($0.kind); return nil }
        try withServer(configuration, handler: { request in
            calls.record()
            return echoHandler(request)
        }) { server in
            let client = try RawClient(port: server.localPort)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status, sourceLocation: sourceLocation)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8", "no hook answer: plain text", sourceLocation: sourceLocation)
            #expect(response.header("Content-Length") == String(response.body.count), sourceLocation: sourceLocation)
            #expect(response.header("Connection") == "close", sourceLocation: sourceLocation)
            #expect(try client.isClosedByPeer(), "connection must close after \(status)", sourceLocation: sourceLocation)
        }
        #expect(calls.value == 0, "the handler must not run", sourceLocation: sourceLocation)
        #expect(rejections.kinds.map(\.status) == [status], "the errorResponse hook is asked once", sourceLocation: sourceLocation)
    }

    @Test func smuggling_ContentLengthWithTransferEncoding_Is400AndClose() throws {
        try expectRefused(
            "POST /echo HTTP/1.1\nHost: t\nContent-Length: 4\nTransfer-Encoding: chunked\n\n0\n\nGET /smuggled HTTP/1.1\nHost: t\n\n",
            status: 400
        )
    }

    @Test func smuggling_EachMalformedFraming_Is400AndClose() throws {
        let attempts = [
            "POST /echo HTTP/1.1\nHost: t\nContent-Length: 3\nContent-Length: 4\n\nabcd",
            "POST /echo HTTP/1.1\nHost: t\nContent-Length: 3 4\n\nabcd",
            "POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: gzip, chunked\n\n0\n\n",
            "POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\nzz\n\n",
            "GET /info HTTP/1.1\nHost: t\nX-Folded: a\n b\n\n",
            "GET /info HTTP/1.1\nHost : t\n\n",
            "GET /info HTTP/1.1\n\n",
            "GET /info HTTP/1.1\nHost: a\nHost: b\n\n",
            "G@T /info HTTP/1.1\nHost: t\n\n",
            "GET /in\u{1}fo HTTP/1.1\nHost: t\n\n",
        ]
        for attempt in attempts {
            try expectRefused(attempt, status: 400)
        }
    }

    @Test func smuggling_BareLineEnds_Are400() throws {
        let calls = Calls()
        try withServer(handler: { calls.record(); return echoHandler($0) }) { server in
            for raw in ["GET /info HTTP/1.1\nHost: t\n\n", "GET /info HTTP/1.1\r\nHost: t\rX: y\r\n\r\n"] {
                let client = try RawClient(port: server.localPort)
                try client.send(Array(raw.utf8))
                #expect(try client.readResponse().status == 400)
                #expect(try client.isClosedByPeer())
            }
        }
        #expect(calls.value == 0)
    }

    @Test func ambiguous_RepeatedSingletonFields_Are400AndClose() throws {
        var configuration = testConfiguration()
        configuration.singletonFields.insert("Inference-Header-Content-Length")
        for name in ["Authorization", "Content-Type", "Host", "Inference-Header-Content-Length", "proxy-authorization"] {
            try expectRefused(
                "POST /echo HTTP/1.1\nHost: t\n\(name): a\nX-Between: 1\n\(name.uppercased()): b\nContent-Length: 2\n\nhi",
                status: 400, configuration: configuration)
        }
    }

    @Test func ambiguous_RepeatedSingleton_NamesTheFieldInTheAnswer() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\nHost: t\nAuthorization: Bearer right\nAuthorization: Bearer wrong\n\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.text.contains("more than one Authorization field"))
        }
    }

    @Test func listFields_MayRepeat() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\nHost: t\nAccept: text/plain\nAccept: */*\nX-Custom: 1\nX-Custom: 2\n\n")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func contentEncoding_OnTwoLines_IsTheSameListAsOnOne() throws {
        let body = Deflater.compress(Array("hello".utf8), format: .gzip)
        for (fields, expected) in [
            ("Content-Encoding: gzip, gzip\n", 415), ("Content-Encoding: gzip\nContent-Encoding: gzip\n", 415),
            ("Content-Encoding: gzip,\nContent-Encoding: gzip\n", 415), ("Content-Encoding: gzip\n", 200),
            ("Content-Encoding: identity\nContent-Encoding: gzip\n", 415),
        ] {
            try withServer { server in
                let client = try RawClient(port: server.localPort)
                try client.send(crlf("POST /echo HTTP/1.1\nHost: t\n\(fields)Content-Length: \(body.count)\n\n") + body)
                let response = try client.readResponse()
                #expect(response.status == expected, "\(fields)")
                if expected == 200 { #expect(response.text == "hello") }
            }
        }
    }

    @Test func headerBytes_OverLimit_Is431() throws {
        var configuration = testConfiguration()
        configuration.maxHeaderBytes = 1024
        try expectRefused("GET /info HTTP/1.1\nHost: t\nX-Big: \(String(repeating: "x", count: 2000))\n\n", status: 431, configuration: configuration)
    }

    @Test func headerCount_OverLimit_Is431() throws {
        var configuration = testConfiguration()
        configuration.maxHeaderCount = 5
        let fields = (0..<6).map { "X-\($0): v\n" }.joined()
        try expectRefused("GET /info HTTP/1.1\nHost: t\n\(fields)\n", status: 431, configuration: configuration)
    }

    @Test func requestLine_OverLimit_Is414() throws {
        var configuration = testConfiguration()
        configuration.maxRequestLineBytes = 100
        try expectRefused("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\nHost: t\n\n", status: 414, configuration: configuration)
    }

    @Test func body_OverLimit_Is413BeforeTheBodyIsSent() throws {
        var configuration = testConfiguration()
        configuration.maxBodyBytes = 1000
        // Only the head is sent: the 413 must come without waiting for the 1001 bytes.
        try expectRefused("POST /echo HTTP/1.1\nHost: t\nContent-Length: 1001\n\n", status: 413, configuration: configuration)
        try expectRefused("POST /echo HTTP/1.1\nHost: t\nExpect: 100-continue\nContent-Length: 5000\n\n", status: 413, configuration: configuration)
    }

    @Test func chunkedBody_OverLimit_Is413() throws {
        var configuration = testConfiguration()
        configuration.maxBodyBytes = 10
        try expectRefused("POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n8\n01234567\n8\n", status: 413, configuration: configuration)
    }

    @Test func unsupportedContentEncoding_Is415WithAcceptEncoding() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nContent-Encoding: br\nContent-Length: 2\n\nab")
            let response = try client.readResponse()
            #expect(response.status == 415)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Accept-Encoding") != nil)
        }
    }

    @Test func slowloris_HeadersNotFinishedInTime_Is408ThenClose() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send(Array("GET /info HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8))
            // Keep dripping bytes: activity must not extend the header deadline (300 ms here).
            for _ in 0..<3 {
                usleep(50_000)
                try? client.send(Array("a".utf8))
            }
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(try client.isClosedByPeer())
        }
    }

    @Test func slowBody_Is408ThenClose() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nContent-Length: 100\n\nonly a little")
            #expect(try client.readResponse().status == 408)
            #expect(try client.isClosedByPeer())
        }
    }

    @Test func idleKeepAlive_IsClosedAfterIdleTimeout() throws {
        var configuration = testConfiguration()
        configuration.idleTimeout = .milliseconds(200)
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\nHost: t\n\n")
            #expect(try client.readResponse().status == 200)
            #expect(try client.isClosedByPeer(), "closed silently after 200 ms idle")
        }
    }

    @Test func maxInFlight_ShedsWith503AndRetryAfter() throws {
        var configuration = testConfiguration()
        configuration.retryAfterSeconds = 7
        let sheds = Calls()
        configuration.onShed = { sheds.record() }
        try withInFlightSlotTaken(configuration) { server in
            let shed = try RawClient(port: server.localPort)
            try shed.send("GET /info HTTP/1.1\nHost: t\n\n")
            let response = try shed.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Retry-After") == "7")
            #expect(response.header("Connection") == nil, "shedding keeps the connection")
            #expect(server.shedCount == 1)
            #expect(sheds.value == 1)
            return shed
        } afterRelease: { shed in
            try shed.send("GET /info HTTP/1.1\nHost: t\n\n")
            #expect(try shed.readResponse().status == 200, "served once a slot is free")
        }
    }
}
