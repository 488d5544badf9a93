import Foundation
import HTTPServer
import LossTestSupport
import Testing

/// What went wrong on each side of a pumped handshake.
struct PumpErrors: Equatable {
    var server: TLSError?
    var client: TLSError?
    var isEmpty: Bool { server == nil && client == nil }
}

/// Moves ciphertext between a client and a server session until neither has anything to send or
/// a side fails, advancing both handshakes and collecting the server's plaintext. After a failure
/// the failing side's pending ciphertext (its alert) is still delivered once.
@discardableResult
func pump(client: TLSSession, server: TLSSession, serverPlaintext: inout [UInt8]) -> PumpErrors {
    var errors = PumpErrors()
    for _ in 0..<20 where errors.isEmpty {
        do {
            if !client.isHandshakeComplete { _ = try client.handshake() }
        } catch {
            errors.client = error
        }
        let toServer = client.takeCiphertext()
        server.receive(ciphertext: toServer)
        do {
            try server.readPlaintext(into: &serverPlaintext)
        } catch {
            errors.server = error
        }
        let toClient = server.takeCiphertext()
        client.receive(ciphertext: toClient)
        if toServer.isEmpty && toClient.isEmpty { break }
    }
    return errors
}

/// A fresh certificate, a server session using it, and an in-memory client session. The PEM files
/// are deleted once the contexts are loaded.
struct TLSPair {
    let server: TLSSession
    let client: TLSSession

    /// - Parameters:
    ///   - keyType: the server key, `"ec"` or `"rsa"`.
    ///   - clientTrustsServer: `false` makes the client trust an unrelated certificate instead.
    init(
        keyType: String = "ec",
        clientTrustsServer: Bool = true,
        protocols: [String] = ["http/1.1"],
        versions: ClosedRange<TLSContext.ProtocolVersion> = .tls1_2 ... .tls1_3,
        cipherList: String? = nil
    ) throws {
        let certificate = try TLSTestCertificate(keyType: keyType)
        defer { certificate.remove() }
        let trusted = clientTrustsServer ? certificate : try TLSTestCertificate()
        defer { if !clientTrustsServer { trusted.remove() } }
        server = try TLSSession(context: certificate.serverContext())
        let clientContext = try TLSContext(
            clientTrusting: trusted.certificatePath,
            serverName: "localhost",
            applicationProtocols: protocols,
            versions: versions,
            cipherList: cipherList
        )
        client = TLSSession(context: clientContext)
    }

    /// Runs the handshake (see `pump`), returning the plaintext the server received.
    func pump(_ serverPlaintext: inout [UInt8]) -> PumpErrors {
        HTTPServerTests.pump(client: client, server: server, serverPlaintext: &serverPlaintext)
    }
}

@Suite("TLSSession over memory BIOs against an in-memory client")
struct TLSSessionTests {
    @Test("a full TLS 1.3 handshake agrees on http/1.1, then plaintext flows both ways", arguments: ["ec", "rsa"])
    func handshakeAndExchange(keyType: String) throws {
        let pair = try TLSPair(keyType: keyType)
        let (server, client) = (pair.server, pair.client)
        #expect(try client.handshake() == .needsMoreCiphertext)  // ClientHello queued

        var received: [UInt8] = []
        #expect(pair.pump(&received).isEmpty)
        #expect(server.isHandshakeComplete && client.isHandshakeComplete)
        #expect(server.negotiatedProtocol == "http/1.1")
        #expect(client.negotiatedProtocol == "http/1.1")
        #expect(server.protocolVersion == "TLSv1.3")
        #expect(server.cipherSuite?.hasPrefix("TLS_") == true)

        let request = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        try client.writePlaintext(request)
        server.receive(ciphertext: client.takeCiphertext())
        #expect(try server.readPlaintext(into: &received) == .needsMoreCiphertext)
        #expect(received == request)

        // A response larger than many records, received in arbitrary slices.
        let response = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try server.writePlaintext(response)
        let ciphertext = server.takeCiphertext()
        #expect(ciphertext.count > response.count)  // record overhead, no compression
        var decrypted: [UInt8] = []
        for start in stride(from: 0, to: ciphertext.count, by: 10_007) {
            client.receive(ciphertext: ciphertext[start..<min(start + 10_007, ciphertext.count)])
            try client.readPlaintext(into: &decrypted)
        }
        #expect(decrypted == response)
    }

    @Test("reading into a small fixed buffer stops when it is full and resumes without loss")
    func fixedBufferBackpressure() throws {
        let pair = try TLSPair()
        var plaintext: [UInt8] = []
        #expect(pair.pump(&plaintext).isEmpty)
        let message = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try pair.client.writePlaintext(message)
        pair.server.receive(ciphertext: pair.client.takeCiphertext())

        var buffer = [UInt8](repeating: 0, count: 1000)
        var fullReads = 0
        while true {
            let read = try buffer.withUnsafeMutableBytes { try pair.server.readPlaintext(into: $0) }
            plaintext.append(contentsOf: buffer[..<read.count])
            guard let status = read.status else {
                #expect(read.count == buffer.count)
                fullReads += 1
                continue
            }
            #expect(status == .needsMoreCiphertext)
            break
        }
        #expect(plaintext == message)
        #expect(fullReads == 50)
    }

    @Test("the handshake completes with ciphertext delivered one byte at a time")
    func dripFedHandshake() throws {
        let pair = try TLSPair()
        let (server, client) = (pair.server, pair.client)
        var plaintext: [UInt8] = []
        for _ in 0..<10 {
            _ = try client.handshake()
            for byte in client.takeCiphertext() {
                server.receive(ciphertext: [byte])
                try server.readPlaintext(into: &plaintext)
            }
            for byte in server.takeCiphertext() { client.receive(ciphertext: [byte]) }
            if client.isHandshakeComplete && server.isHandshakeComplete { break }
        }
        #expect(client.isHandshakeComplete && server.isHandshakeComplete)
        #expect(plaintext.isEmpty)
    }

    @Test("a TLS 1.2-only client gets TLS 1.2 with an ECDHE AEAD cipher")
    func tls12() throws {
        let pair = try TLSPair(versions: .tls1_2 ... .tls1_2)
        let server = pair.server
        var plaintext: [UInt8] = []
        #expect(pair.pump(&plaintext).isEmpty)
        #expect(server.protocolVersion == "TLSv1.2")
        let cipher = try #require(server.cipherSuite)
        #expect(cipher.hasPrefix("ECDHE-") && (cipher.contains("GCM") || cipher.contains("CHACHA20")))
        #expect(server.negotiatedProtocol == "http/1.1")
    }

    @Test("a TLS 1.1 client is refused with OpenSSL's reason")
    func tls11Refused() throws {
        // Security level 0 lets OpenSSL 3 offer TLS 1.1 at all.
        let pair = try TLSPair(versions: .tls1_1 ... .tls1_1, cipherList: "DEFAULT:@SECLEVEL=0")
        let (server, client) = (pair.server, pair.client)
        var plaintext: [UInt8] = []
        let error = try #require(pair.pump(&plaintext).server)
        #expect(error.code == .handshake)
        #expect(error.detail.contains("unsupported protocol"))
        #expect(!server.isHandshakeComplete)
        // The client learns why from the protocol_version alert.
        #expect(throws: TLSError.self) { _ = try client.handshake() }
    }

    @Test(
        "ALPN: http/1.1 is picked from a list, and a client without it still connects",
        arguments: [
            (["h2", "http/1.1"], "http/1.1"), (["h2"], nil), ([], nil),
        ] as [([String], String?)]
    )
    func alpn(offered: [String], expected: String?) throws {
        let pair = try TLSPair(protocols: offered)
        let server = pair.server
        var plaintext: [UInt8] = []
        #expect(pair.pump(&plaintext).isEmpty)
        #expect(server.isHandshakeComplete)
        #expect(server.negotiatedProtocol == expected)
    }

    @Test("close_notify travels both ways")
    func closeNotify() throws {
        let pair = try TLSPair()
        let (server, client) = (pair.server, pair.client)
        var plaintext: [UInt8] = []
        #expect(pair.pump(&plaintext).isEmpty)

        try client.writePlaintext(Array("last request".utf8))
        client.close()
        server.receive(ciphertext: client.takeCiphertext())
        #expect(try server.readPlaintext(into: &plaintext) == .closedByPeer)
        #expect(plaintext == Array("last request".utf8))  // data before close_notify is kept

        server.close()
        client.receive(ciphertext: server.takeCiphertext())
        var clientPlaintext: [UInt8] = []
        #expect(try client.readPlaintext(into: &clientPlaintext) == .closedByPeer)
        #expect(throws: TLSError.self) { try server.writePlaintext([1]) }  // write after close
    }

    @Test("plain HTTP sent to the TLS port fails the handshake")
    func plainHTTPRefused() throws {
        let server = try TLSPair().server
        server.receive(ciphertext: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        var plaintext: [UInt8] = []
        do {
            try server.readPlaintext(into: &plaintext)
            Issue.record("plain HTTP was accepted as TLS")
        } catch {
            #expect(error.code == .handshake)
            #expect(error.detail.contains("http request"))
        }
        #expect(plaintext.isEmpty)
    }

    @Test("random bytes, bare or behind a TLS record header, end in a TLSError or a wait, never a crash")
    func randomBytesIntoServer() throws {
        let certificate = try TLSTestCertificate()
        defer { certificate.remove() }
        let context = try certificate.serverContext()
        var generator = SeededGenerator(seed: 7)
        var outcomes: [String: Int] = [:]
        for round in 0..<1000 {
            let server = TLSSession(context: context)
            var bytes = (0..<Int.random(in: 1...600, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if round % 2 == 0 {
                // A handshake record header with a plausible length, then noise.
                bytes.replaceSubrange(
                    0..<min(5, bytes.count),
                    with: [0x16, 0x03, 0x01, 0x00, UInt8(truncatingIfNeeded: bytes.count)]
                )
            }
            server.receive(ciphertext: bytes)
            var plaintext: [UInt8] = []
            do {
                _ = try server.readPlaintext(into: &plaintext)
                outcomes["waiting", default: 0] += 1
            } catch {
                #expect(error.code == .handshake)
                outcomes["refused", default: 0] += 1
            }
            #expect(plaintext.isEmpty && !server.isHandshakeComplete)
        }
        #expect(outcomes["refused", default: 0] > 500)
    }

    @Test("corrupted records after the handshake are a protocol error")
    func corruptedRecord() throws {
        let pair = try TLSPair()
        let (server, client) = (pair.server, pair.client)
        var plaintext: [UInt8] = []
        #expect(pair.pump(&plaintext).isEmpty)
        try client.writePlaintext(Array("hello".utf8))
        var record = client.takeCiphertext()
        record[record.count - 1] ^= 0x01  // break the AEAD tag
        server.receive(ciphertext: record)
        do {
            try server.readPlaintext(into: &plaintext)
            Issue.record("a forged record was accepted")
        } catch {
            #expect(error.code == .protocol)
            #expect(error.detail.contains("bad record mac") || error.detail.contains("decryption failed"))
        }
        #expect(plaintext.isEmpty)
    }

    @Test("a client that does not trust the certificate stops with the verification reason")
    func untrustedCertificate() throws {
        let pair = try TLSPair(clientTrustsServer: false)
        let server = pair.server
        var plaintext: [UInt8] = []
        let error = try #require(pair.pump(&plaintext).client)
        #expect(error.code == .handshake)
        #expect(error.detail.contains("certificate verify failed"))
        #expect(!server.isHandshakeComplete)
    }

    @Test("writing before the handshake is an error, not a hang")
    func writeBeforeHandshake() throws {
        let server = try TLSPair().server
        #expect(throws: TLSError.self) { try server.writePlaintext(Array("early".utf8)) }
        #expect(server.pendingCiphertextCount == 0)
        server.close()  // harmless before the handshake
        #expect(server.takeCiphertext().isEmpty)
    }
}
