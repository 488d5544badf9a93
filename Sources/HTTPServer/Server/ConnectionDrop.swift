/// A connection the server refused or closed on its own initiative to protect its connection
/// table, reported through `Server.Configuration.onConnectionDropped` (for metrics and logs).
///
/// Connections that end normally (the client closes, an idle keep-alive connection times out,
/// an error answer is followed by a close) are not reported here.
public struct ConnectionDrop: Sendable {
    /// Why the connection was refused or closed; new reasons may be added.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// A stable snake_case name, suitable as a metric label value.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// Refused: the table (`maxConnections` plus the probe reserve) was full and no idle
        /// connection could be closed to make room; or a request other than a probe arrived on a
        /// probe-reserve connection. Both are answered 503 with `Retry-After`.
        public static let tableFull = Reason("table_full")
        /// A new connection sent no byte within `firstByteTimeout` and was closed.
        public static let firstByteTimeout = Reason("first_byte_timeout")
        /// An idle keep-alive connection (at least one request answered) was closed to make room
        /// for a new one while the table was full.
        public static let evictedIdle = Reason("evicted_idle")
        /// A connection that had not sent a byte yet was closed to make room for a new one while
        /// the table was full.
        public static let evictedSilent = Reason("evicted_silent")

        /// Every reason the server reports, so that an observer can export each one from the
        /// start (at zero).
        public static let allCases: [Reason] = [.tableFull, .firstByteTimeout, .evictedIdle, .evictedSilent]

        public var description: String { name }
    }

    /// Why the connection was dropped.
    public var reason: Reason
    /// The peer address.
    public var remoteAddress: String

    /// A drop report; the server builds these.
    public init(reason: Reason, remoteAddress: String) {
        self.reason = reason
        self.remoteAddress = remoteAddress
    }
}
