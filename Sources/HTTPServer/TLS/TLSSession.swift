import COpenSSL

/// One TLS connection as a pure transform between ciphertext and plaintext, over two OpenSSL
/// memory BIOs: it never touches a socket.
///
/// The connection code drives it like this:
/// ```swift
/// session.receive(ciphertext: bytesReadFromSocket)
/// let status = try session.readPlaintext(into: &parserInput)   // also advances the handshake
/// write(session.takeCiphertext())                                // handshake records, alerts
/// // later, for a response:
/// try session.writePlaintext(responseBytes)
/// write(session.takeCiphertext())
/// // closing:
/// session.close()                                                 // queues close_notify
/// write(session.takeCiphertext())
/// ```
/// After *every* call, send whatever `takeCiphertext()` returns, even when the call threw: a
/// failed handshake leaves an alert to deliver.
///
/// Concurrency: not `Sendable`. A session holds OpenSSL's mutable `SSL` state and its error
/// queue is per thread, so one session belongs to one connection and is used only on that
/// connection's serial queue; every method clears and reads the error queue within the call, so
/// it does not matter which thread the queue runs on.
public final class TLSSession {
    /// Where the session stands after a read.
    public enum ReadStatus: Sendable, Hashable {
        /// All the ciphertext received so far is processed; more is needed to go further.
        case needsMoreCiphertext
        /// The peer sent close_notify: no more plaintext will come. Reply with `close()`.
        case closedByPeer
    }

    /// Where a handshake stands.
    public enum HandshakeStatus: Sendable, Hashable {
        /// Finished: application data can flow both ways.
        case complete
        /// Waiting for the peer's next flight: feed ciphertext with `receive(ciphertext:)`.
        case needsMoreCiphertext
    }

    private let ssl: OpaquePointer
    /// Ciphertext from the peer, read by OpenSSL. Owned by `ssl`.
    private let incoming: OpaquePointer
    /// Ciphertext for the peer, written by OpenSSL. Owned by `ssl`.
    private let outgoing: OpaquePointer
    /// Keeps the shared `SSL_CTX` alive as long as the session.
    private let context: TLSContext
    private var closedByPeer = false
    private var closeSent = false
    /// Set once OpenSSL reports the handshake finished. Sticky: OpenSSL re-enters its "init" state
    /// after a fatal error, but for error reporting the session was established.
    private var established = false

    /// A session in the role of `context` (server for `TLSContext(certificatePath:keyPath:)`).
    ///
    /// With a configured context, OpenSSL fails here only when malloc does, where Swift itself
    /// would trap; so this traps too rather than making every connection handle an error.
    public init(context: TLSContext) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context), let incoming = BIO_new(BIO_s_mem()),
            let outgoing = BIO_new(BIO_s_mem())
        else { preconditionFailure("\(TLSError.drainingErrorQueue(.configuration, "SSL_new/BIO_new"))") }
        // An empty incoming BIO means "retry later" (want-read), not end of file.
        _ = copenssl_bio_set_mem_eof_return(incoming, -1)
        SSL_set_bio(ssl, incoming, outgoing)
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
        self.context = context
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client(let serverName):
            SSL_set_connect_state(ssl)
            if let serverName {
                _ = copenssl_set_tlsext_host_name(ssl, serverName)
                _ = SSL_set1_host(ssl, serverName)
            }
        }
    }

    deinit {
        SSL_free(ssl)  // frees both BIOs too
    }

    /// Queues ciphertext received from the peer. It is processed by the next `handshake()`,
    /// `readPlaintext(into:)` or `writePlaintext(_:)`.
    public func receive(ciphertext: some Collection<UInt8>) {
        withContiguousBytes(ciphertext) { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = Int32(min(bytes.count - offset, Int(Int32.max)))
                // A memory BIO write fails only if malloc does, where Swift would trap as well.
                let written = BIO_write(incoming, bytes.baseAddress! + offset, count)
                precondition(written == count, "BIO_write to a memory BIO failed")
                offset += Int(count)
            }
        }
    }

    /// Advances the handshake with the ciphertext received so far.
    ///
    /// Optional for a server: `readPlaintext(into:)` does the same implicitly. Useful to learn
    /// when the handshake is done (for `negotiatedProtocol`) and for a client to send its hello.
    /// - Throws: `TLSError` `.handshake` with OpenSSL's reason; an alert may be pending.
    public func handshake() throws(TLSError) -> HandshakeStatus {
        if established { return .complete }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            established = true
            return .complete
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .needsMoreCiphertext
        default:
            throw failure(result: result, during: "handshake")
        }
    }

    /// Whether the handshake has finished (it stays `true` after a later error).
    public var isHandshakeComplete: Bool { established }

    /// Decrypts all the plaintext available from the ciphertext received so far, appending it to
    /// `plaintext`, and advances the handshake if it is not finished.
    ///
    /// - Returns: `.needsMoreCiphertext` normally, `.closedByPeer` once close_notify arrived.
    /// - Throws: `TLSError` `.handshake` (during the handshake) or `.protocol` (bad records).
    @discardableResult
    public func readPlaintext(into plaintext: inout [UInt8]) throws(TLSError) -> ReadStatus {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)  // one TLS record's worth
        while true {
            let read = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(TLSError) in try readPlaintext(into: buffer) }
            }.get()
            plaintext.append(contentsOf: chunk[..<read.count])
            if let status = read.status { return status }
        }
    }

    /// What one `readPlaintext(into:)` call into a caller's buffer produced.
    public struct PlaintextRead: Sendable, Hashable {
        /// Plaintext bytes written at the start of the buffer.
        public var count: Int
        /// `nil` when the buffer filled up and more plaintext may be ready: call again once there
        /// is room. Otherwise where the session stands.
        public var status: ReadStatus?
    }

    /// Decrypts into `buffer` (for a connection's fixed input buffer), advancing the handshake if
    /// it is not finished. Stops when the buffer is full, which is the caller's backpressure: the
    /// undecrypted rest stays queued in the session.
    ///
    /// - Throws: `TLSError` `.handshake` (during the handshake) or `.protocol` (bad records).
    public func readPlaintext(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> PlaintextRead {
        if closedByPeer { return PlaintextRead(count: 0, status: .closedByPeer) }
        ERR_clear_error()
        var count = 0
        while count < buffer.count {
            let room = Int32(min(buffer.count - count, Int(Int32.max)))
            let result = SSL_read(ssl, buffer.baseAddress! + count, room)
            if !established && SSL_is_init_finished(ssl) == 1 { established = true }
            if result > 0 {
                count += Int(result)
                continue
            }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return PlaintextRead(count: count, status: .needsMoreCiphertext)
            case SSL_ERROR_ZERO_RETURN:
                closedByPeer = true
                return PlaintextRead(count: count, status: .closedByPeer)
            default:
                throw failure(result: result, during: "read")
            }
        }
        return PlaintextRead(count: count, status: nil)
    }

    /// Encrypts `plaintext` into records, to be collected with `takeCiphertext()`.
    ///
    /// - Throws: `TLSError` `.protocol` if the handshake has not finished or the session is closed.
    public func writePlaintext(_ plaintext: some Collection<UInt8>) throws(TLSError) {
        guard isHandshakeComplete, !closeSent else {
            throw TLSError(
                code: .protocol,
                detail: closeSent ? "write after close" : "write before the handshake finished"
            )
        }
        ERR_clear_error()
        try withContiguousBytes(plaintext) { (bytes) throws(TLSError) in
            var offset = 0
            while offset < bytes.count {
                let count = Int32(min(bytes.count - offset, 1 << 30))
                // With a memory BIO, SSL_write takes everything (no partial writes, no want-write).
                let result = SSL_write(ssl, bytes.baseAddress! + offset, count)
                guard result > 0 else { throw failure(result: result, during: "write") }
                offset += Int(result)
            }
        }
    }

    /// The number of ciphertext bytes waiting to be sent.
    public var pendingCiphertextCount: Int { Int(BIO_ctrl_pending(outgoing)) }

    /// Removes and returns the ciphertext waiting to be sent to the peer (possibly none).
    public func takeCiphertext() -> [UInt8] {
        let count = pendingCiphertextCount
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = Int(BIO_read(outgoing, buffer.baseAddress, Int32(count)))
        }
    }

    /// Queues close_notify (once). Send `takeCiphertext()` afterwards, then close the socket; the
    /// peer's close_notify need not be awaited (RFC 8446 §6.1 allows a half-close). Does nothing
    /// before the handshake has finished.
    public func close() {
        guard !closeSent, isHandshakeComplete else { return }
        closeSent = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()  // a failed shutdown leaves nothing the caller could act on
    }

    /// The ALPN protocol agreed in the handshake (`"http/1.1"`), or `nil` if none was.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The protocol version in use (`"TLSv1.3"`), once the handshake has finished.
    public var protocolVersion: String? {
        guard isHandshakeComplete, let name = SSL_get_version(ssl) else { return nil }
        return String(cString: name)
    }

    /// The cipher suite in use (`"TLS_AES_256_GCM_SHA384"`), once the handshake has finished.
    public var cipherSuite: String? {
        guard isHandshakeComplete, let name = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)) else { return nil }
        return String(cString: name)
    }

    /// The error for a failed `SSL_*` call, with OpenSSL's queue and, for a client, the
    /// certificate verification result.
    private func failure(result: Int32, during operation: String) -> TLSError {
        let code: TLSError.Code = isHandshakeComplete ? .protocol : .handshake
        var context = "\(operation) failed (SSL_get_error \(SSL_get_error(ssl, result)))"
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK, let reason = X509_verify_cert_error_string(verification) {
            context += ", certificate verification: \(String(cString: reason))"
        }
        return .drainingErrorQueue(code, context)
    }
}
