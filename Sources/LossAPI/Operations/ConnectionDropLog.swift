import Dispatch
import HTTPServer
import Logging
import Synchronization

/// Notice lines about connections the server refused or closed to protect its connection table
/// (`Server.Configuration.onConnectionDropped`), rate-limited: a flood of thousands of drops a
/// second must not become thousands of log lines.
///
/// The first drop is logged at once; after that at most one line per `interval`, written at the
/// next drop once the interval has passed. Each line (message `connections dropped` on its
/// logger, level notice) carries the drops since the previous line by reason (`table_full`,
/// `first_byte_timeout`, `evicted_idle`, `evicted_silent`), their `total`, and the
/// `last_remote_addr`. Drops after the last line wait for the next drop to be written;
/// `lossd_connections_dropped_total` has every one at once.
public final class ConnectionDropLog: Sendable {
    private let logger: Logger
    private let interval: UInt64
    private let pending = Mutex(Pending())

    /// Drops not yet logged, and when the last line was written.
    private struct Pending {
        var counts: [String: Int] = [:]
        var lastLine: UInt64?
    }

    /// A log written to `logger`, at most one line per `interval`.
    public init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        let (seconds, attoseconds) = interval.components
        self.interval = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Adds the hook to `configuration`, after any hook already set there.
    public func install(into configuration: inout Server.Configuration) {
        let previous = configuration.onConnectionDropped
        configuration.onConnectionDropped = { drop in
            previous?(drop)
            self.record(drop)
        }
    }

    /// Counts `drop`, and writes a line when the interval since the last one has passed.
    public func record(_ drop: ConnectionDrop) {
        let now = DispatchTime.now().uptimeNanoseconds
        let due: [String: Int]? = pending.withLock { state in
            state.counts[drop.reason.name, default: 0] += 1
            if let last = state.lastLine, now - last < interval { return nil }
            state.lastLine = now
            defer { state.counts = [:] }
            return state.counts
        }
        guard let due else { return }
        var metadata: Logger.Metadata = [
            "total": .stringConvertible(due.values.reduce(0, +)),
            "last_remote_addr": .string(drop.remoteAddress),
        ]
        for (reason, count) in due { metadata[reason] = .stringConvertible(count) }
        logger.notice("connections dropped", metadata: metadata)
    }
}
