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
public final class Server: Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    let handler: Handler
    let lifecycle = Mutex(Lifecycle())

    /// What the server is doing; guarded by `lifecycle`.
    struct Lifecycle {
        var localPort = 0
        var started = false
    }

    /// A server that will serve `handler` with `configuration` once started.
    public init(configuration: Configuration = Configuration(), handler: @escaping Handler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Binds and listens, then returns; connections are served on Dispatch queues from then on.
    ///
    /// - Throws: `ServerError` when the address is invalid, the port is taken, TLS files cannot
    ///   be loaded, or the server was already started.
    public func start() throws(ServerError) {
        throw ServerError(.notImplemented, detail: "the socket layer lands in the next commit")
    }

    /// The bound TCP port (useful with `port: 0`); 0 before `start()`.
    public var localPort: Int { lifecycle.withLock { $0.localPort } }

    /// Client connections currently open.
    public var openConnectionCount: Int { 0 }

    /// Requests currently being handled (admitted, response not yet written).
    public var inFlightRequestCount: Int { 0 }

    /// Requests answered 503 because `maxInFlightRequests` was reached, since start.
    public var shedCount: Int { 0 }

    /// Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests in
    /// progress finish (their responses carry `Connection: close`) until `deadline` has passed,
    /// then closes whatever remains. Blocks until every connection is closed. Safe to call more
    /// than once and before `start()`.
    public func shutdown(deadline: Duration) {}
}
