import Dispatch
import Glibc
import Synchronization

/// What every connection of one server shares: configuration, handler, the bounded handler
/// queue with its in-flight counter, the registry of open connections, and the counters the
/// public `Server` exposes. All state is atomic or behind a `Mutex`.
final class ServerContext: Sendable {
    let configuration: Server.Configuration
    let handler: Handler
    let parserLimits: HTTPRequestParser.Limits
    let timeouts: ConnectionStateMachine.Timeouts
    /// The process-wide budget of request memory (`memoryBudgetBytes`), `nil` when it is off.
    let memoryBudget: MemoryBudget?
    /// Where handlers run: concurrent, off every I/O queue. Its width is bounded by admission
    /// (`maxInFlightRequests`), not by queueing.
    let handlerQueue = DispatchQueue(label: "lossd.http.handlers", attributes: .concurrent)
    /// The I/O threads: one serial queue per core. Each connection's own serial queue targets
    /// one of them (round robin), so all socket work runs on at most this many threads, as with
    /// NIO's event loops. Without a target, every serial queue is "overcommit" on Linux and
    /// Dispatch may start a thread per busy connection; on two cores, hundreds of threads
    /// context-switching cost more than the HTTP work.
    private let ioQueues: [DispatchQueue] = (0..<max(1, min(8, sysconf(Int32(_SC_NPROCESSORS_ONLN))))).map {
        DispatchQueue(label: "lossd.http.io.\($0)")
    }
    private let nextIO = Atomic<Int>(0)

    /// Connections `enter` on accept and `leave` once their descriptor is closed.
    let connectionGroup = DispatchGroup()

    /// The TLS context for HTTPS, installed by `Server.start()` before the first accept.
    private let tls = Mutex<TLSContext?>(nil)

    private let inFlight = Atomic<Int>(0)
    private let shed = Atomic<Int>(0)
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])

    init(configuration: Server.Configuration, handler: @escaping Handler) {
        self.configuration = configuration
        self.handler = handler
        parserLimits = HTTPRequestParser.Limits(
            maxRequestLineBytes: configuration.maxRequestLineBytes,
            maxHeaderBytes: configuration.maxHeaderBytes,
            maxHeaderCount: configuration.maxHeaderCount,
            maxBodyBytes: configuration.maxBodyBytes,
            singletonFields: configuration.singletonFields.map { $0.lowercased() }.sorted()
        )
        memoryBudget = configuration.memoryBudgetBytes > 0 ? MemoryBudget(capacity: configuration.memoryBudgetBytes) : nil
        timeouts = ConnectionStateMachine.Timeouts(
            firstByte: configuration.firstByteTimeout,
            header: configuration.headerTimeout,
            body: configuration.bodyTimeout,
            idle: configuration.idleTimeout,
            write: configuration.writeTimeout,
            linger: configuration.lingerTimeout
        )
    }

    /// The TLS context new connections use, or `nil` for plain HTTP.
    var tlsContext: TLSContext? {
        get { tls.withLock { $0 } }
        set { tls.withLock { $0 = newValue } }
    }

    var inFlightCount: Int { inFlight.load(ordering: .relaxed) }
    var shedCount: Int { shed.load(ordering: .relaxed) }
    var reservedMemoryBytes: Int { memoryBudget?.reservedBytes ?? 0 }

    /// Counts a request shed because its bytes did not fit in the memory budget.
    func shedForMemory() {
        shed.wrappingAdd(1, ordering: .relaxed)
        configuration.onShed?()
    }
    var openConnectionCount: Int { connections.withLock { $0.count } }

    /// The I/O queue for the next connection.
    func nextIOQueue() -> DispatchQueue {
        ioQueues[nextIO.wrappingAdd(1, ordering: .relaxed).oldValue % ioQueues.count]
    }

    /// Claims a handler slot, or counts a shed request and returns `false` when all
    /// `maxInFlightRequests` slots are taken.
    func admit() -> Bool {
        let now = inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        if now <= configuration.maxInFlightRequests { return true }
        inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        shed.wrappingAdd(1, ordering: .relaxed)
        configuration.onShed?()
        return false
    }

    /// Returns a slot claimed by `admit()`.
    func release() {
        inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }

    /// How a new connection was admitted to the table.
    enum Admission: Equatable {
        /// A regular slot (possibly freed by evicting the longest-idle connection).
        case regular
        /// A slot of the probe reserve: probes and scrapes only.
        case probesOnly
        /// No slot: answer 503 and close.
        case refused
    }

    /// Registers a new connection (call on the accept queue): in a regular slot while fewer than `maxConnections` are open;
    /// else after evicting the connection idle the longest (it closes on its own queue, so the
    /// count exceeds the limit until it has, by at most `evictionSlack`); else in the probe
    /// reserve; else not at all.
    func register(_ connection: Connection) -> Admission {
        let outcome: (admission: Admission, count: Int, victim: Connection?) = connections.withLock { table in
            var admission = Admission.regular
            var victim: Connection?
            let hardLimit = configuration.maxConnections + configuration.probeReserveConnections + Self.evictionSlack
            guard table.count < hardLimit else { return (.refused, table.count, nil) }
            if table.count >= configuration.maxConnections {
                victim = Self.claimLongestIdle(in: table)
                if victim == nil {
                    guard table.count < configuration.maxConnections + configuration.probeReserveConnections else {
                        return (.refused, table.count, nil)
                    }
                    admission = .probesOnly
                }
            }
            table[ObjectIdentifier(connection)] = connection
            return (admission, table.count, victim)
        }
        guard outcome.admission != .refused else { return .refused }
        outcome.victim?.evict()
        connectionGroup.enter()
        configuration.onConnectionCountChange?(outcome.count)
        return outcome.admission
    }

    /// How far evictions under way may take the table beyond `maxConnections` plus the probe
    /// reserve (one accept batch): past it, new connections are refused until victims close.
    private static let evictionSlack = 64

    /// The connection idle the longest in `table`, claimed so that no other accept chooses it;
    /// `nil` when none is idle. A connection whose request waits unread in its socket (its queue
    /// has not read it yet) is not idle and is passed over. A linear scan: it runs only while
    /// the table is full.
    private static func claimLongestIdle(in table: [ObjectIdentifier: Connection]) -> Connection? {
        var passedOver = Set<ObjectIdentifier>()
        while true {
            var oldest: (connection: Connection, since: UInt64)?
            for (id, connection) in table where !passedOver.contains(id) {
                guard let since = connection.idleSinceNanoseconds else { continue }
                if oldest.map({ since < $0.since }) ?? true { oldest = (connection, since) }
            }
            guard let oldest else { return nil }
            if Posix.hasPendingInput(oldest.connection.fd) {
                passedOver.insert(ObjectIdentifier(oldest.connection))
                continue
            }
            // A connection that turned busy between the scan and the claim is skipped.
            if oldest.connection.claimForEviction(idleSince: oldest.since) { return oldest.connection }
        }
    }

    /// Called once by a connection after its descriptor is closed.
    func unregister(_ connection: Connection) {
        let count = connections.withLock { table in
            table[ObjectIdentifier(connection)] = nil
            return table.count
        }
        configuration.onConnectionCountChange?(count)
        connectionGroup.leave()
    }

    /// A snapshot of the open connections.
    func openConnections() -> [Connection] {
        connections.withLock { Array($0.values) }
    }
}
