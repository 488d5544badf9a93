import Dispatch
import Glibc

/// The listening socket and its accept loop.
///
/// Accepted sockets get `TCP_NODELAY` (responses are written whole, so Nagle only adds delay).
/// At `maxConnections` a new connection makes room by evicting the longest-idle one, or takes a
/// probe-reserve slot (`ServerContext.register`); beyond the reserve it is answered with a 503
/// rendered once at start (through the `errorResponse` hook) and closed at once, so a flood
/// costs one descriptor for an instant, never a queue.
final class Listener: @unchecked Sendable {
    // `source` and `fd` are set in `init`; they and `dateCache` are used only on `queue` afterwards.
    let fd: CInt
    let localAddress: SocketAddress
    private let queue = DispatchQueue(label: "lossd.http.accept")
    private let source: any DispatchSourceRead
    private let context: ServerContext
    private let busyResponse: Response
    private var dateCache = DateCache()
    /// Accepting is paused after a resource error (see `acceptPending`); only touched on `queue`.
    private var paused = false
    private var stopped = false

    /// How long accepting pauses when the process is out of descriptors or memory.
    private static let resourceErrorPause: DispatchTimeInterval = .milliseconds(50)

    init(address: SocketAddress, backlog: Int, context: ServerContext) throws(SocketError) {
        self.context = context
        busyResponse = context.configuration.response(
            for: ServerRejection(.tooManyConnections, detail: "too many open connections, retry later"))
        let fd = try Posix.socket(domain: address.family, type: CInt(SOCK_STREAM.rawValue))
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if address.family == AF_INET6 {
                // `::` then also accepts IPv4 (dual stack); `::1` is IPv6 loopback only anyway.
                try Posix.setOption(fd, level: CInt(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
            }
            try Posix.bindAndListen(fd, address: address, backlog: CInt(clamping: backlog))
            localAddress = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        self.fd = fd
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
    }

    /// Starts accepting.
    func start() {
        source.setEventHandler { [self] in acceptPending() }
        source.setCancelHandler { [fd] in Posix.close(fd) }
        source.activate()
    }

    /// Stops accepting and closes the listening socket; returns once it is closed.
    func stop() {
        queue.sync {
            stopped = true
            // A suspended source runs its cancel handler only once resumed.
            if paused { source.resume() }
            source.cancel()
        }
        queue.sync {}  // The cancel handler has run.
    }

    private func acceptPending() {
        for _ in 0..<64 {
            let result: IOResult<CInt>
            do {
                result = try Posix.accept(fd, via: context.configuration.syscalls)
            } catch where error.errno == ECONNABORTED {
                continue  // That connection is gone; take the next.
            } catch {
                // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays in the backlog, and the
                // level-triggered source would fire again at once, spinning a core. Pause instead,
                // and try again once descriptors or memory may have been freed.
                pause()
                return
            }
            guard case .processed(let client) = result else { return }
            try? Posix.setOption(client, level: CInt(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
            let peer = Posix.peerAddress(client)?.description ?? "unknown"
            let connection = Connection(fd: client, remoteAddress: peer, context: context)
            switch context.register(connection) {
            case .regular: connection.start()
            case .probesOnly: connection.start(probesOnly: true)
            case .refused:
                refuse(client)
                context.configuration.onConnectionDropped?(ConnectionDrop(reason: .tableFull, remoteAddress: peer))
            }
        }
    }

    /// Suspends the accept source for `resourceErrorPause`. Called on `queue`.
    private func pause() {
        guard !paused, !stopped else { return }
        paused = true
        source.suspend()
        queue.asyncAfter(deadline: .now() + Self.resourceErrorPause) { [self] in
            guard paused, !stopped else { return }
            paused = false
            source.resume()
        }
    }

    /// Writes the 503 for a connection beyond `maxConnections` (best effort: the socket is new,
    /// so its send buffer takes it whole) and closes it.
    private func refuse(_ client: CInt) {
        var head: [UInt8] = []
        HTTPResponseSerializer.writeHead(
            busyResponse,
            framing: .init(
                contentLength: busyResponse.body.count, close: true, keepAliveForHTTP10: false,
                contentEncoding: nil, varyAcceptEncoding: false),
            date: dateCache.current(), into: &head)
        head.withUnsafeBytes { head in
            busyResponse.body.withUnsafeBytes { body in
                _ = try? Posix.write(client, head, body, via: context.configuration.syscalls)
            }
        }
        Posix.close(client)
    }
}
