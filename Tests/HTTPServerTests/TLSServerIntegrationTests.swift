import Foundation
import HTTPServer
import Testing

/// HTTPS end to end: the real server on a loopback port with a certificate made by `openssl` in
/// the test, and `curl` as the client.
@Suite("HTTPS with curl against a test certificate", .serialized)
struct TLSServerIntegrationTests {
    /// Runs `body` against an HTTPS server, passing a curl prefix that trusts its certificate.
    static func withHTTPSServer(_ body: (_ curl: [String], _ base: String) throws -> Void) throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        let tls = Server.TLS(certificatePath: certificate.certificatePath, keyPath: certificate.keyPath)
        try withTestServer(tls: tls) { port in
            try body(
                ["curl", "--silent", "--show-error", "--cacert", certificate.certificatePath],
                "https://localhost:\(port)"
            )
        }
    }

    @Test("curl verifies the certificate, negotiates http/1.1 by ALPN and gets the response")
    func curlGetsResponse() throws {
        try Self.withHTTPSServer { curl, base in
            let run = try ToolRun.run(
                curl + [
                    "--verbose", "--write-out", "\n%{http_code} %{http_version} %{ssl_verify_result}", "\(base)/small",
                ]
            )
            #expect(run.status == 0, "\(run.errorOutput)")
            #expect(run.outputText == "ok\n200 1.1 0")
            #expect(run.errorOutput.contains("ALPN: server accepted http/1.1"))
            #expect(run.errorOutput.contains("SSL connection using TLSv1.3"))
        }
    }

    @Test("a client offering h2 first still gets http/1.1")
    func http2ClientFallsBack() throws {
        try Self.withHTTPSServer { curl, base in
            let run = try ToolRun.run(
                curl + ["--http2", "--write-out", "%{http_version}", "--output", "/dev/null", "\(base)/small"]
            )
            #expect(run.status == 0, "\(run.errorOutput)")
            #expect(run.outputText == "1.1")
        }
    }

    @Test("TLS 1.2 works; TLS 1.1 is refused and the server keeps serving")
    func protocolVersions() throws {
        try Self.withHTTPSServer { curl, base in
            let tls12 = try ToolRun.run(curl + ["--verbose", "--tls-max", "1.2", "\(base)/small"])
            #expect(tls12.status == 0, "\(tls12.errorOutput)")
            #expect(tls12.errorOutput.contains("SSL connection using TLSv1.2 / ECDHE-"))

            let tls11 = try ToolRun.run(
                curl + ["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", "\(base)/small"]
            )
            #expect(tls11.status == 35, "curl: \(tls11.errorOutput)")  // CURLE_SSL_CONNECT_ERROR

            #expect(try ToolRun.output(curl + ["\(base)/small"]) == Array("ok".utf8))
        }
    }

    @Test("keep-alive reuses one TLS connection; a 1 MiB upload is echoed intact")
    func keepAliveAndLargeBodies() throws {
        try Self.withHTTPSServer { curl, base in
            let run = try ToolRun.run(curl + ["--verbose", "\(base)/small", "\(base)/small"])
            #expect(run.outputText == "okok")
            #expect(run.errorOutput.contains("Re-using existing connection"))

            let upload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 9)) }
            let echoed = try ToolRun.output(curl + ["--data-binary", "@-", "\(base)/echo"], input: upload)
            #expect(echoed == upload)
        }
    }

    /// Runs `body` with a raw TLS client connected to an HTTPS server.
    static func withTLSClient(_ body: (TLSLoopbackClient) throws -> Void) throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        let tls = Server.TLS(certificatePath: certificate.certificatePath, keyPath: certificate.keyPath)
        try withTestServer(tls: tls) { port in
            try body(TLSLoopbackClient(port: port, certificatePath: certificate.certificatePath))
        }
    }

    @Test("300 pipelined requests in one TLS write, more than the input buffer holds, all get answers")
    func pipelinedOverTLS() throws {
        try Self.withTLSClient { client in
            let padding = String(repeating: "p", count: 400)
            let request = "GET /small HTTP/1.1\r\nHost: localhost\r\nX-Padding: \(padding)\r\n\r\n"
            try client.send(Array(String(repeating: request, count: 300).utf8))  // about 135 KB
            let marker = Array("\r\n\r\nok".utf8)
            func answers(_ bytes: [UInt8]) -> Int {
                var count = 0
                var index = bytes.startIndex
                while let found = bytes[index...].firstRange(of: marker) {
                    count += 1
                    index = found.upperBound
                }
                return count
            }
            let responses = try client.receive { answers($0) >= 300 }
            #expect(answers(responses) == 300)
        }
    }

    @Test("Connection: close ends with the server's close_notify, not a bare TCP close")
    func closeNotifyOnConnectionClose() throws {
        try Self.withTLSClient { client in
            try client.send(Array("GET /small HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
            let response = try client.receive { _ in false }  // read until the server closes
            #expect(String(decoding: response, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.suffix(2) == Array("ok".utf8))
            #expect(client.receivedCloseNotify)
        }
    }

    @Test("gzip works inside TLS (curl --compressed)")
    func gzipOverTLS() throws {
        try Self.withHTTPSServer { curl, base in
            let run = try ToolRun.run(curl + ["--compressed", "--dump-header", "/dev/stderr", "\(base)/big"])
            #expect(run.output == compressibleBody)
            #expect(run.errorOutput.lowercased().contains("content-encoding: gzip"))
        }
    }

    @Test("plain HTTP on the TLS port fails cleanly and the server keeps serving")
    func plainHTTPOnTLSPort() throws {
        try Self.withHTTPSServer { curl, base in
            let plain = try ToolRun.run(
                curl + ["--max-time", "5", base.replacingOccurrences(of: "https:", with: "http:") + "/small"]
            )
            #expect(plain.status != 0)
            #expect(plain.status != 28, "curl timed out instead of seeing the connection closed")
            #expect(try ToolRun.output(curl + ["\(base)/small"]) == Array("ok".utf8))
        }
    }

    @Test("an unreadable certificate stops start() with an error naming the file")
    func badCertificateFailsStart() throws {
        var configuration = Server.Configuration(host: "127.0.0.1", port: 0)
        configuration.tls = Server.TLS(certificatePath: "/nonexistent/cert.pem", keyPath: "/nonexistent/key.pem")
        let server = Server(configuration: configuration, handler: testRoutes)
        do {
            try server.start()
            server.shutdown(deadline: .seconds(1))
            Issue.record("the server started without its certificate")
        } catch {
            #expect("\(error)".contains("/nonexistent/cert.pem"))
        }
    }
}
