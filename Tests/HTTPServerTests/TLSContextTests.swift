import Foundation
import HTTPServer
import Testing

@Suite("TLSContext loads PEM files and reports bad ones")
struct TLSContextTests {
    @Test("a missing certificate file is a certificate error naming the file")
    func missingCertificate() throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        do {
            _ = try TLSContext(certificatePath: "/nonexistent/cert.pem", keyPath: certificate.keyPath)
            Issue.record("a missing certificate was accepted")
        } catch {
            #expect(error.code == .certificate)
            #expect(error.detail.contains("/nonexistent/cert.pem"))
            #expect(error.detail.contains("error:"))  // OpenSSL's queue is included
        }
    }

    @Test("a file that is not PEM is a certificate error")
    func garbageCertificate() throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        let garbage = certificate.directory.appendingPathComponent("garbage.pem")
        try Data("not a certificate\n".utf8).write(to: garbage)
        #expect(throws: TLSError.self) {
            _ = try TLSContext(certificatePath: garbage.path, keyPath: certificate.keyPath)
        }
    }

    @Test("a key that does not match the certificate is a private-key error")
    func mismatchedKey() throws {
        let first = try TLSTestCertificate()
        let second = try TLSTestCertificate()
        defer {
            first.remove()
            second.remove()
        }
        do {
            _ = try TLSContext(certificatePath: first.certificatePath, keyPath: second.keyPath)
            Issue.record("a mismatched key was accepted")
        } catch {
            #expect(error.code == .privateKey)
            #expect(error.detail.contains("does not match") || error.detail.contains("values mismatch"))
        }
    }

    @Test("a missing key file is a private-key error")
    func missingKey() throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        do {
            _ = try TLSContext(certificatePath: certificate.certificatePath, keyPath: "/nonexistent/key.pem")
            Issue.record("a missing key was accepted")
        } catch {
            #expect(error.code == .privateKey)
            #expect(error.description.hasPrefix("TLS private_key: loading the private key /nonexistent/key.pem"))
        }
    }

    @Test("one context serves many sessions, from several threads")
    func sharedContext() async throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        let context = try certificate.serverContext()
        let clientContext = try TLSContext(
            clientTrusting: certificate.certificatePath,
            serverName: "localhost",
            applicationProtocols: ["http/1.1"]
        )
        let versions = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let server = TLSSession(context: context)
                    let client = TLSSession(context: clientContext)
                    var plaintext: [UInt8] = []
                    pump(client: client, server: server, serverPlaintext: &plaintext)
                    return server.protocolVersion
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions == Array(repeating: "TLSv1.3", count: 8))
    }
}
