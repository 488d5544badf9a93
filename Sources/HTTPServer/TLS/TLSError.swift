import COpenSSL

/// A TLS failure, carrying OpenSSL's own error strings.
///
/// Configuration errors (`.certificate`, `.privateKey`, `.configuration`) come from
/// `TLSContext.init` and stop the server from starting. Connection errors (`.handshake`,
/// `.protocol`) come from a `TLSSession`; the server drops that one connection (after sending the
/// alert OpenSSL queued, if any) and logs the detail.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String

        /// The certificate chain file is missing, unreadable or not PEM.
        public static let certificate = Code(name: "certificate")
        /// The private key file is missing, unreadable, not PEM, or does not match the certificate.
        public static let privateKey = Code(name: "private_key")
        /// OpenSSL refused a setting (protocol versions, cipher list, ALPN).
        public static let configuration = Code(name: "configuration")
        /// The handshake failed: no shared protocol version or cipher, a bad certificate, or bytes
        /// that are not TLS (for example plain HTTP sent to the HTTPS port).
        public static let handshake = Code(name: "handshake")
        /// An established session received invalid records or was used after it closed.
        public static let `protocol` = Code(name: "protocol")

        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// What was being done, then OpenSSL's error queue (`error:0A000102:SSL routines::unsupported
    /// protocol`), most recent last.
    public let detail: String

    public var description: String { "TLS \(code): \(detail)" }

    /// An error whose detail is `context` followed by the calling thread's OpenSSL error queue,
    /// which this empties.
    static func drainingErrorQueue(_ code: Code, _ context: String) -> TLSError {
        var messages: [String] = []
        while case let error = ERR_get_error(), error != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map(UInt8.init(bitPattern:)), as: UTF8.self))
        }
        let queue = messages.isEmpty ? "" : ": " + messages.joined(separator: "; ")
        return TLSError(code: code, detail: context + queue)
    }
}
