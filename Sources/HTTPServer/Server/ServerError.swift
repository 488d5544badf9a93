/// Why a server could not start.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The listen address could not be parsed as an IPv4 or IPv6 literal.
        public static let invalidAddress = Kind(name: "invalidAddress")
        /// `socket`/`bind`/`listen` failed (port in use, permission denied…).
        public static let bindFailed = Kind(name: "bindFailed")
        /// The TLS certificate or key could not be loaded.
        public static let tlsSetupFailed = Kind(name: "tlsSetupFailed")
        /// `start()` was called twice, or after `shutdown`.
        public static let alreadyStarted = Kind(name: "alreadyStarted")
        /// The feature is not available in this build.
        public static let notImplemented = Kind(name: "notImplemented")
        /// The name, e.g. `bindFailed`.
        public var description: String { name }
    }

    /// The kind of failure.
    public var kind: Kind
    /// A human-readable detail (the errno text, the address…).
    public var detail: String

    /// An error of `kind` with `detail`.
    public init(_ kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// `kind: detail`.
    public var description: String { "\(kind): \(detail)" }
}
