import Foundation
import Glibc
import HTTPServer

/// A blocking TLS client over a real loopback socket, driven by an in-memory client `TLSSession`:
/// lets tests send exactly the bytes they want (pipelined requests) over HTTPS.
final class TLSLoopbackClient {
    private let fd: CInt
    private let session: TLSSession

    /// Connects to 127.0.0.1:`port` and completes the handshake, trusting `certificatePath`.
    init(port: Int, certificatePath: String) throws {
        let context = try TLSContext(
            clientTrusting: certificatePath,
            serverName: "localhost",
            applicationProtocols: ["http/1.1"]
        )
        session = TLSSession(context: context)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        while try session.handshake() != .complete {
            try sendPending()
            try receiveSome()
        }
        try sendPending()
    }

    deinit { close(fd) }

    /// Encrypts and sends `bytes`.
    func send(_ bytes: [UInt8]) throws {
        try session.writePlaintext(bytes)
        try sendPending()
    }

    /// Whether the server's close_notify has arrived.
    private(set) var receivedCloseNotify = false

    /// Reads plaintext until `done` says the bytes so far are complete, or the peer closes.
    func receive(until done: ([UInt8]) -> Bool) throws -> [UInt8] {
        var plaintext: [UInt8] = []
        while !done(plaintext) {
            guard try receiveSome() else { break }
            if try session.readPlaintext(into: &plaintext) == .closedByPeer {
                receivedCloseNotify = true
                break
            }
        }
        return plaintext
    }

    private func sendPending() throws {
        let ciphertext = session.takeCiphertext()
        var offset = 0
        while offset < ciphertext.count {
            let sent = ciphertext[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard sent > 0 else { throw POSIXError(.EPIPE) }
            offset += sent
        }
    }

    /// Reads one chunk of ciphertext into the session; `false` at end of stream.
    @discardableResult
    private func receiveSome() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw POSIXError(.ETIMEDOUT) }
        session.receive(ciphertext: buffer[..<count])
        return count > 0
    }
}
