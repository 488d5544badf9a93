import COpenSSL

/// An OpenSSL 3 `SSL_CTX` configured for lossd's HTTPS: created once at server start, shared by
/// every connection's `TLSSession`.
///
/// Server settings, fixed on purpose:
/// - TLS 1.2 minimum, TLS 1.3 maximum: older versions fail the handshake with a
///   `protocol_version` alert.
/// - TLS 1.2 ciphers: ECDHE key exchange with AEAD only (AES-GCM, ChaCha20-Poly1305), the
///   server's order preferred, as in Mozilla's "intermediate" profile. TLS 1.3 uses OpenSSL's
///   default suites, all of which are AEAD.
/// - No TLS compression (CRIME), no renegotiation (a client-triggered CPU cost), buffers released
///   while a connection is idle.
/// - ALPN: selects `http/1.1` when the client offers it; a client offering only other protocols
///   (`h2` alone) gets no ALPN answer rather than a fatal alert, and speaks HTTP/1.1 anyway.
///
/// `Sendable`: the `SSL_CTX` is fully configured in `init` and never mutated afterwards; OpenSSL
/// documents creating sessions from a shared, configured context as thread-safe (its reference
/// counts and session cache take their own locks).
public final class TLSContext: @unchecked Sendable {
    /// Which side of a handshake sessions created from this context play.
    enum Role {
        case server
        /// A client, verifying the server's certificate against `serverName` when set.
        case client(serverName: String?)
    }

    /// The TLS protocol versions a context can be limited to.
    package enum ProtocolVersion: Sendable {
        case tls1_1, tls1_2, tls1_3

        var openSSLValue: Int32 {
            switch self {
            case .tls1_1: TLS1_1_VERSION
            case .tls1_2: TLS1_2_VERSION
            case .tls1_3: TLS1_3_VERSION
            }
        }
    }

    /// The ALPN protocol lossd speaks.
    public static let applicationProtocol = "http/1.1"

    /// ECDHE + AEAD suites for TLS 1.2 (Mozilla intermediate without the DHE ones).
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// The configured `SSL_CTX`; immutable after `init`.
    let context: OpaquePointer
    let role: Role

    /// Loads a server certificate chain and private key (PEM files) into a server context.
    ///
    /// - Parameters:
    ///   - certificatePath: PEM certificate chain, leaf first.
    ///   - keyPath: PEM private key (RSA or EC) for the leaf certificate, unencrypted.
    /// - Throws: `TLSError` `.certificate` or `.privateKey` (unreadable, malformed, or not a
    ///   matching pair), `.configuration` if OpenSSL rejects a setting.
    public init(certificatePath: String, keyPath: String) throws(TLSError) {
        ERR_clear_error()
        context = try Self.makeContext(method: TLS_server_method(), versions: .tls1_2 ... .tls1_3)
        role = .server
        // From here on `deinit` frees the context if a step throws.
        try check(
            copenssl_ctx_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS)) != 0,
            .configuration,
            "SSL_CTX_set_mode"
        )
        SSL_CTX_set_options(context, copenssl_server_options())
        try check(SSL_CTX_set_cipher_list(context, Self.tls12Ciphers) == 1, .configuration, "TLS 1.2 cipher list")
        try check(
            SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1,
            .certificate,
            "loading the certificate chain \(certificatePath)"
        )
        try check(
            SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) == 1,
            .privateKey,
            "loading the private key \(keyPath)"
        )
        try check(
            SSL_CTX_check_private_key(context) == 1,
            .privateKey,
            "the private key \(keyPath) does not match the certificate \(certificatePath)"
        )
        SSL_CTX_set_alpn_select_cb(context, selectHTTP11, nil)
    }

    /// A client context, for tests and tools that talk to a lossd HTTPS server in memory.
    ///
    /// - Parameters:
    ///   - trustedCertificatePath: PEM file of certificates to trust; `nil` skips verification.
    ///   - serverName: sent as SNI and, when verifying, matched against the certificate.
    ///   - applicationProtocols: offered in ALPN, in preference order.
    ///   - versions: the protocol versions the client will accept.
    ///   - cipherList: an OpenSSL cipher string for TLS ≤ 1.2 (`"DEFAULT:@SECLEVEL=0"` lets an old
    ///     protocol version be offered at all).
    package init(
        clientTrusting trustedCertificatePath: String?,
        serverName: String?,
        applicationProtocols: [String],
        versions: ClosedRange<ProtocolVersion> = .tls1_2 ... .tls1_3,
        cipherList: String? = nil
    ) throws(TLSError) {
        ERR_clear_error()
        context = try Self.makeContext(method: TLS_client_method(), versions: versions)
        role = .client(serverName: serverName)
        if let cipherList {
            try check(SSL_CTX_set_cipher_list(context, cipherList) == 1, .configuration, "cipher list")
        }
        if let trustedCertificatePath {
            try check(
                SSL_CTX_load_verify_locations(context, trustedCertificatePath, nil) == 1,
                .certificate,
                "loading trusted certificates \(trustedCertificatePath)"
            )
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        if !applicationProtocols.isEmpty {
            let wire = applicationProtocols.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            // SSL_CTX_set_alpn_protos returns 0 on success.
            try check(SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) == 0, .configuration, "ALPN list")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Creates an `SSL_CTX` limited to `versions`.
    private static func makeContext(
        method: OpaquePointer?,
        versions: ClosedRange<ProtocolVersion>
    ) throws(TLSError) -> OpaquePointer {
        guard let context = SSL_CTX_new(method) else {
            throw .drainingErrorQueue(.configuration, "SSL_CTX_new")
        }
        guard copenssl_ctx_set_min_proto_version(context, versions.lowerBound.openSSLValue) == 1,
            copenssl_ctx_set_max_proto_version(context, versions.upperBound.openSSLValue) == 1
        else {
            SSL_CTX_free(context)
            throw .drainingErrorQueue(.configuration, "protocol versions")
        }
        return context
    }

    private func check(_ succeeded: Bool, _ code: TLSError.Code, _ context: String) throws(TLSError) {
        if !succeeded { throw .drainingErrorQueue(code, context) }
    }
}

extension TLSContext.ProtocolVersion: Comparable {}

/// ALPN selection (RFC 7301): picks `http/1.1` from the client's length-prefixed list, or declines
/// (`SSL_TLSEXT_ERR_NOACK`) so the handshake goes on without ALPN.
private func selectHTTP11(
    _ ssl: OpaquePointer?,
    _ selected: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ selectedLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?,
    _ offeredLength: UInt32,
    _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    guard let offered, let selected, let selectedLength else { return SSL_TLSEXT_ERR_NOACK }
    let list = UnsafeBufferPointer(start: offered, count: Int(offeredLength))
    let wanted = Array(TLSContext.applicationProtocol.utf8)
    var index = 0
    while index < list.count {
        let length = Int(list[index])
        let start = index + 1
        guard start + length <= list.count else { break }  // malformed list: decline
        if list[start..<start + length].elementsEqual(wanted) {
            selected.pointee = offered + start
            selectedLength.pointee = UInt8(length)
            return SSL_TLSEXT_ERR_OK
        }
        index = start + length
    }
    return SSL_TLSEXT_ERR_NOACK
}
