import Dispatch
import Synchronization

/// An HTTP/1.1 server on POSIX sockets and Dispatch that serves any `(Request) -> Response`
/// handler. It knows nothing about losses.
///
/// ```swift
/// let server = Server(configuration: .init(host: "127.0.0.1", port: 0)) { request in
///     Response(status: 200, contentType: "text/plain", body: "hello")
/// }
/// try server.start()
/// print(server.localPort)
/// server.shutdown(deadline: .seconds(5))
/// ```
///
/// Threading: one serial Dispatch queue per connection does all of that connection's I/O;
/// handlers run on a separate concurrent queue, admitted up to `maxInFlightRequests` (beyond
/// that: 503 with `Retry-After`).
public final class Server: Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    let context: ServerContext
    private let lifecycle = Mutex(Lifecycle())

    /// Where the server is in its life; guarded by `lifecycle`.
    private enum Lifecycle {
        case created
        case running(Listener)
        case stopped

        init() { self = .created }
    }

    /// A server that will serve `handler` with `configuration` once started.
    public init(configuration: Configuration = Configuration(), handler: @escaping Handler) {
        self.configuration = configuration
        context = ServerContext(configuration: configuration, handler: handler)
    }

    /// Binds and listens, then returns; connections are served on Dispatch queues from then on.
    ///
    /// - Throws: `ServerError` when the address is invalid, the port is taken, TLS files cannot
    ///   be loaded, or the server was already started.
    public func start() throws(ServerError) {
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw ServerError(.invalidAddress, detail: "\(configuration.host):\(configuration.port) is not an IP address and port")
        }
        try lifecycle.withLock { state throws(ServerError) in
            guard case .created = state else {
                throw ServerError(.alreadyStarted, detail: "start() may be called once")
            }
            if let tls = configuration.tls {
                do {
                    context.tlsContext = try TLSContext(certificatePath: tls.certificatePath, keyPath: tls.keyPath)
                } catch {
                    throw ServerError(.tlsSetupFailed, detail: "\(error)")
                }
            }
            let listener: Listener
            do {
                listener = try Listener(address: address, backlog: configuration.backlog, context: context)
            } catch {
                throw ServerError(.bindFailed, detail: "\(configuration.host):\(configuration.port): \(error)")
            }
            listener.start()
            state = .running(listener)
        }
    }

    /// The bound TCP port (useful with `port: 0`); 0 before `start()`.
    public var localPort: Int {
        lifecycle.withLock { state in
            if case .running(let listener) = state { return listener.localAddress.port }
            return 0
        }
    }

    /// Client connections currently open.
    public var openConnectionCount: Int { context.openConnectionCount }

    /// Requests currently admitted to the handler queue and not yet answered by the handler.
    public var inFlightRequestCount: Int { context.inFlightCount }

    /// Requests answered 503 because `maxInFlightRequests` was reached or their bytes did not
    /// fit in `memoryBudgetBytes`, since start.
    public var shedCount: Int { context.shedCount }

    /// Bytes reserved in the memory budget by the requests in flight now.
    public var reservedMemoryBytes: Int { context.reservedMemoryBytes }

    /// Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests in
    /// progress finish (their responses carry `Connection: close`) until `deadline` has passed,
    /// then closes whatever remains. Blocks until every connection is closed. Safe to call more
    /// than once and before `start()`. Do not call it from a handler (it would wait for itself).
    public func shutdown(deadline: Duration) {
        let listener: Listener? = lifecycle.withLock { state in
            defer { state = .stopped }
            if case .running(let listener) = state { return listener }
            return nil
        }
        listener?.stop()
        for connection in context.openConnections() { connection.drain() }
        let seconds = Double(deadline.components.seconds) + Double(deadline.components.attoseconds) / 1e18
        if context.connectionGroup.wait(timeout: .now() + seconds) == .timedOut {
            for connection in context.openConnections() { connection.forceClose() }
            context.connectionGroup.wait()
        }
    }
}
