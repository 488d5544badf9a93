import Dispatch
import Foundation
import Glibc
import Testing

@testable import HTTPServer

/// A client's half-close (`shutdown(SHUT_WR)`) ends its sending, not its reading: every complete
/// request received before the end of stream is answered, in order, then the connection closes.
@Suite struct LoopbackHalfCloseTests {
    /// One pipelined request and what its answer must be.
    private struct Step {
        var bytes: [UInt8]
        var expectedBody: [UInt8]

        /// `POST /echo` with `size` bytes, answered with the same bytes.
        static func post(_ size: Int, seed: UInt8) -> Step {
            let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed }
            return Step(bytes: crlf("POST /echo HTTP/1.1\nHost: t\nContent-Length: \(size)\n\n") + body, expectedBody: body)
        }

        /// `GET /info?n=<n>`, answered with a description that names `n`.
        static func get(_ n: Int) -> Step {
            Step(bytes: crlf("GET /info?n=\(n) HTTP/1.1\nHost: t\n\n"), expectedBody: Array("GET /info n=\(n) HTTP/1.1 body=0".utf8))
        }
    }

    /// Sends every step's bytes and then the half-close from another thread (the answers to
    /// large bodies must be read while later requests are still being sent), reads the answers
    /// in order, and requires the connection to close after the last one.
    private func expectEveryAnswer(
        _ steps: [Step], trailing: [UInt8] = [], server: Server, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let client = try RawClient(port: server.localPort)
        let sent = DispatchSemaphore(value: 0)
        let payload = steps.flatMap(\.bytes) + trailing
        let fd = client.fd  // the sender thread writes; this one reads
        DispatchQueue.global().async {
            var offset = 0
            while offset < payload.count {
                let written = payload[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { break }
                offset += written
            }
            shutdown(fd, Int32(SHUT_WR))
            sent.signal()
        }
        defer { sent.wait() }
        for (index, step) in steps.enumerated() {
            let response = try client.readResponse()
            #expect(response.status == 200, "answer \(index + 1) of \(steps.count)", sourceLocation: sourceLocation)
            #expect(response.body == step.expectedBody, "answer \(index + 1) of \(steps.count) in order", sourceLocation: sourceLocation)
        }
        #expect(try client.isClosedByPeer(), "closed after the last answer", sourceLocation: sourceLocation)
    }

    @Test func pipelinedRequestsBeforeHalfClose_AreAllAnsweredInOrder() throws {
        let large = 200 * 1024  // more than one 64 KiB read, and than the input buffer
        let mixes: [[Step]] = [
            [.post(100, seed: 1), .post(200, seed: 2), .post(300, seed: 3)],
            [.post(100, seed: 1), .get(2), .get(3)],
            [.get(1), .get(2), .get(3)],
            [.get(1), .post(large, seed: 2), .get(3)],
            [.post(large, seed: 1), .post(large, seed: 2), .post(10, seed: 3)],
            [.post(large, seed: 1), .get(2), .post(large, seed: 3), .get(4)],
            [.post(0, seed: 0)],
        ]
        try withServer { server in
            for mix in mixes {
                try expectEveryAnswer(mix, server: server)
            }
        }
    }

    @Test func probesAnsweredOnTheConnectionQueue_AreAllAnsweredToo() throws {
        var configuration = testConfiguration()
        configuration.bypassesAdmission = { $0.path == "/info" }
        try withServer(configuration) { server in
            try expectEveryAnswer([.get(1), .get(2), .post(5, seed: 9), .get(4)], server: server)
        }
    }

    @Test func incompleteLastRequest_IsDropped_AfterTheCompleteOnesAreAnswered() throws {
        try withServer { server in
            try expectEveryAnswer(
                [.post(64, seed: 1), .get(2)], trailing: crlf("POST /echo HTTP/1.1\nHost: t\nContent-Length: 50\n\nshort"),
                server: server)
            try expectEveryAnswer([.get(1)], trailing: crlf("GET /info HTTP/1.1\nHo"), server: server)
        }
    }

    @Test func anAnswerWithARequestBufferedBehindIt_DoesNotAnnounceAClose() throws {
        try withServer { server in
            let client = try RawClient(port: server.localPort)
            try client.send(crlf("GET /info?n=1 HTTP/1.1\nHost: t\n\nGET /info?n=2 HTTP/1.1\nHost: t\n\n"))
            client.shutdownWrite()
            let first = try client.readResponse()
            let second = try client.readResponse()
            #expect(first.header("Connection") == nil, "a request follows the first")
            #expect(second.status == 200)
            #expect(try client.isClosedByPeer())
        }
    }
}
