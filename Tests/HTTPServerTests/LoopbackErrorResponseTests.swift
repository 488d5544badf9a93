import Foundation
import Testing

@testable import HTTPServer

/// The kinds an `errorResponse` hook was asked about, in order.
final class Rejections: @unchecked Sendable {
    // `lock` guards `recorded`.
    private let lock = NSLock()
    private var recorded: [ServerRejection.Kind] = []
    func record(_ kind: ServerRejection.Kind) { lock.withLock { recorded.append(kind) } }
    /// Every kind asked about, including the `tooManyConnections` answer rendered at start.
    var all: [ServerRejection.Kind] { lock.withLock { recorded } }
    /// The kinds asked about for connections that were served.
    var kinds: [ServerRejection.Kind] { all.filter { $0 != .tooManyConnections } }
}

/// `Server.Configuration.errorResponse` over real sockets: the hook renders the server's own
/// answers, while status and framing stay the server's.
@Suite struct LoopbackErrorResponseTests {
    /// A hook that answers JSON naming the kind, and tries to take over status and framing.
    private func jsonConfiguration(_ rejections: Rejections) -> Server.Configuration {
        var configuration = testConfiguration()
        configuration.errorResponse = { rejection in
            rejections.record(rejection.kind)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/problem+json")
            headers.add(name: "Content-Length", value: "9999")
            headers.add(name: "Connection", value: "keep-alive")
            headers.add(name: "Retry-After", value: "99")
            return Response(status: 200, headers: headers, body: Array("{\"kind\":\"\(rejection.kind)\"}".utf8))
        }
        return configuration
    }

    @Test func framingError_IsRenderedByTheHook_WithTheServersStatusLengthAndClose() throws {
        let rejections = Rejections()
        var configuration = jsonConfiguration(rejections)
        configuration.maxHeaderBytes = 1024
        let cases: [(request: String, status: Int, kind: ServerRejection.Kind)] = [
            ("GET /info HTTP/1.1\nHost: a\nHost: b\n\n", 400, .malformedRequest),
            ("GET /info HTTP/1.1\nHost: t\nX-Big: \(String(repeating: "x", count: 2000))\n\n", 431, .headersTooLarge),
            ("POST /echo HTTP/1.1\nHost: t\nContent-Encoding: br\nContent-Length: 2\n\nab", 415, .unsupportedContentEncoding),
        ]
        try withServer(configuration) { server in
            for item in cases {
                let client = try RawClient(port: server.localPort)
                try client.send(item.request)
                let response = try client.readResponse()
                #expect(response.status == item.status, "the hook cannot change the status")
                #expect(response.header("Content-Type") == "application/problem+json")
                #expect(response.text == "{\"kind\":\"\(item.kind)\"}")
                #expect(response.header("Content-Length") == String(response.body.count))
                #expect(response.header("Connection") == "close")
                #expect(response.headers.filter { $0.name.lowercased() == "content-length" }.count == 1)
                #expect(try client.isClosedByPeer())
            }
        }
        #expect(rejections.kinds == cases.map(\.kind))
    }

    @Test func timeout_IsRenderedByTheHook() throws {
        let rejections = Rejections()
        try withServer(jsonConfiguration(rejections)) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("POST /echo HTTP/1.1\nHost: t\nContent-Length: 100\n\nonly a little")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.text == "{\"kind\":\"requestTimeout\"}")
            #expect(response.header("Connection") == "close")
        }
        #expect(rejections.kinds == [.requestTimeout])
    }

    @Test func decompressedBodyOverLimit_IsRenderedByTheHook_WithTheRequest() throws {
        let rejections = Rejections()
        var configuration = jsonConfiguration(rejections)
        configuration.maxDecompressedBodyBytes = 100
        let compressed = Deflater.compress(Array(repeating: UInt8(ascii: "a"), count: 10_000), format: .gzip, level: 6)
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            try client.send(Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n\r\n".utf8) + compressed)
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.text == "{\"kind\":\"bodyTooLarge\"}")
            #expect(response.header("Content-Length") == String(response.body.count))
        }
        #expect(rejections.kinds == [.bodyTooLarge])
    }

    @Test func noAcceptableCoding_Is406RenderedByTheHook() throws {
        let rejections = Rejections()
        try withServer(jsonConfiguration(rejections)) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /big HTTP/1.1\nHost: t\nAccept-Encoding: br, identity;q=0\n\n")
            let response = try client.readResponse()
            #expect(response.status == 406)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.text == "{\"kind\":\"notAcceptable\"}")
            #expect(response.header("Content-Length") == String(response.body.count))
        }
        #expect(rejections.kinds == [.notAcceptable])
    }

    @Test func hookReturningNil_FallsBackToPlainText() throws {
        var configuration = testConfiguration()
        configuration.errorResponse = { _ in nil }
        try withServer(configuration) { server in
            let client = try RawClient(port: server.localPort)
            try client.send("GET /info HTTP/1.1\n\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(!response.body.isEmpty)
        }
    }
}

extension LoopbackErrorResponseTests {
    @Test func shedding_IsRenderedByTheHook_KeepsTheConnectionAndTheServersRetryAfter() throws {
        let rejections = Rejections()
        var configuration = jsonConfiguration(rejections)
        configuration.retryAfterSeconds = 7
        try withInFlightSlotTaken(configuration) { server in
            let shed = try RawClient(port: server.localPort)
            try shed.send("GET /info HTTP/1.1\nHost: t\n\n")
            let response = try shed.readResponse()
            #expect(response.status == 503)
            #expect(response.text == "{\"kind\":\"overloaded\"}")
            #expect(response.header("Retry-After") == "7")
            #expect(response.header("Connection") == nil, "shedding keeps the connection")
        }
        #expect(rejections.kinds == [.overloaded])
    }

    @Test func connectionOverTheLimit_IsRefusedWithTheHooksAnswerRenderedAtStart() throws {
        let rejections = Rejections()
        var configuration = jsonConfiguration(rejections)
        configuration.maxConnections = 1
        configuration.probeReserveConnections = 0
        let blocking = BlockingHandler()
        try withServer(configuration, handler: blocking.handler) { server in
            let first = try RawClient(port: server.localPort)
            try first.send("GET /block HTTP/1.1\nHost: t\n\n")
            blocking.waitUntilBlocked()  // busy: no idle connection to evict
            defer { blocking.release() }
            let second = try RawClient(port: server.localPort)
            let response = try second.readResponse()
            #expect(response.status == 503)
            #expect(response.text == "{\"kind\":\"tooManyConnections\"}")
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.header("Connection") == "close")
            #expect(response.header("Retry-After") == "1")
            #expect(try second.isClosedByPeer())
        }
        #expect(rejections.all == [.tooManyConnections], "rendered once, at start")
    }
}
