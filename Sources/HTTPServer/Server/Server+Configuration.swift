extension Server {
    /// Everything a server needs to know before `start()`: where to listen, every limit, and the
    /// observer hooks. Every limit has a default that suits a public-facing JSON service; tests
    /// shrink them to keep runs fast.
    ///
    /// | Limit | Default | Answer when exceeded |
    /// |---|---|---|
    /// | `maxRequestLineBytes` | 8 KiB | 414, close |
    /// | `maxHeaderBytes` (request line + fields) | 64 KiB | 431, close |
    /// | `maxHeaderCount` | 100 | 431, close |
    /// | `maxBodyBytes` | 64 MiB | 413, close (before reading the body when Content-Length says so) |
    /// | `maxDecompressedBodyBytes` | 256 MiB | 413, close |
    /// | `firstByteTimeout` | 10 s from accept to a new connection's first byte | silent close (reported as a drop) |
    /// | `headerTimeout` | 10 s from the first byte of a request | 408, close |
    /// | `bodyTimeout` | 60 s from the end of the head | 408, close |
    /// | `idleTimeout` | 65 s between requests on a keep-alive connection | silent close |
    /// | `writeTimeout` | 30 s without write progress | close |
    /// | `maxConnections` | 1024 | the oldest idle connection is closed to make room; if none is idle, the connection takes a probe-reserve slot |
    /// | `probeReserveConnections` | 16 beyond `maxConnections` | probes only; others (and beyond the reserve) 503 with `Retry-After`, close |
    /// | `maxInFlightRequests` | 128 | 503 with `Retry-After`, connection kept |
    /// | `memoryBudgetBytes` (all requests in flight: bodies, inflated bodies, handler working sets) | 768 MiB | 503 with `Retry-After`; close when refused before the body was read |
    public struct Configuration: Sendable {
        /// The address to bind: an IPv4 literal (`"127.0.0.1"`, `"0.0.0.0"`) or an IPv6 literal
        /// (`"::1"`, `"::"`). `"::"` listens on IPv6 and, dual-stack, on IPv4.
        public var host: String = "127.0.0.1"
        /// The TCP port; 0 asks the kernel for an ephemeral port (read it from `Server.localPort`).
        public var port: Int = 8080
        /// The `listen(2)` backlog.
        public var backlog: Int = 512

        /// Longest accepted request line (method, target, version), in bytes. RFC 9112 §3
        /// recommends at least 8000. Exceeded: 414.
        public var maxRequestLineBytes: Int = 8 * 1024
        /// Longest accepted header section (request line plus all fields plus CRLFs). Exceeded: 431.
        public var maxHeaderBytes: Int = 64 * 1024
        /// Most header fields in one request (and, separately, in a chunked trailer). Exceeded: 431.
        public var maxHeaderCount: Int = 100
        /// Largest request body as sent on the wire (after de-chunking). Exceeded: 413.
        public var maxBodyBytes: Int = 64 * 1024 * 1024
        /// Largest request body after `Content-Encoding: gzip`/`deflate` is undone. Exceeded: 413.
        public var maxDecompressedBodyBytes: Int = 256 * 1024 * 1024

        /// Time a new connection may stay silent: from accept to its first byte. Exceeded: the
        /// connection is closed without an answer and reported to `onConnectionDropped`
        /// (`firstByteTimeout`). Separate from `idleTimeout`, which applies between requests on a
        /// keep-alive connection: a client that connects and says nothing holds a slot only this long.
        public var firstByteTimeout: Duration = .seconds(10)
        /// Time allowed from a request's first byte to the end of its header section (slowloris
        /// guard). Exceeded: 408, close.
        public var headerTimeout: Duration = .seconds(10)
        /// Time allowed from the end of the head to the end of the body. Exceeded: 408, close.
        public var bodyTimeout: Duration = .seconds(60)
        /// Time a keep-alive connection may sit between requests before it is closed. Longer than
        /// common load-balancer idle timeouts (60 s), as Node settled on.
        public var idleTimeout: Duration = .seconds(65)
        /// Time a response write may make no progress (client not reading) before the connection
        /// is dropped.
        public var writeTimeout: Duration = .seconds(30)
        /// After the server decides to close (an error or `Connection: close`), how long it keeps
        /// reading and discarding so that the client reads the response before any RST (RFC 9112
        /// §9.6 staged close).
        public var lingerTimeout: Duration = .seconds(2)

        /// Most open client connections. When the table is full, a new connection first makes
        /// room by closing the connection that has been idle longest (a keep-alive connection
        /// between requests, or one that has not sent a byte yet, with nothing unread in its socket;
        /// reported to `onConnectionDropped`); when none is idle, it takes a slot of the probe
        /// reserve. While evicted connections close, the count may exceed this and the reserve by
        /// the evictions under way (at most 64; beyond, new connections are refused meanwhile).
        public var maxConnections: Int = 1024
        /// Slots beyond `maxConnections` for health probes and scrapes while every regular slot
        /// holds a busy connection. A connection in the reserve is served only requests for which
        /// `bypassesAdmission` returns `true` (judged on the head, with an empty body), each
        /// answered with `Connection: close`; any other request gets 503 with `Retry-After`.
        /// Beyond the reserve, new connections are answered 503 with `Retry-After` and closed at
        /// once. 0 disables the reserve.
        public var probeReserveConnections: Int = 16
        /// Most requests being handled at once across all connections. Beyond it, requests are
        /// answered 503 with `Retry-After` instead of queueing.
        public var maxInFlightRequests: Int = 128
        /// Most bytes all requests in flight may reserve together (0: no budget). A request
        /// reserves its declared Content-Length when its head arrives (before the body is read;
        /// a chunked body as it grows), its inflated body as the inflater grows it, and
        /// `workingSetEstimate` before its handler runs; it gives them back once its response is
        /// encoded. A request whose bytes do not fit is answered 503 with `Retry-After` (and
        /// counted by `onShed`); one that holds every reserved byte is never refused, so that a
        /// request larger than the budget is still served when it is alone. The default leaves a
        /// quarter of a 1 GiB container for the process itself.
        public var memoryBudgetBytes: Int = 768 * 1024 * 1024
        /// The bytes a handler will allocate for a decoded request beyond its body (parsed
        /// tensors, results, the encoded answer), reserved in `memoryBudgetBytes` before the
        /// handler runs. `nil`: nothing beyond the body.
        public var workingSetEstimate: (@Sendable (Request) -> Int)? = nil
        /// The `Retry-After` value (seconds) sent with 503 when shedding.
        public var retryAfterSeconds: Int = 1

        /// Response compression and request decompression.
        public var compression = Compression()
        /// The data-path system calls (tests inject failures here).
        var syscalls = Syscalls.system
        /// HTTPS, when set: the same server speaks TLS 1.2/1.3 (ALPN http/1.1) on its port.
        public var tls: TLS? = nil

        /// Called once per response written (including the server's own 400/408/413/431/503),
        /// on a connection queue: keep it cheap and non-blocking.
        public var onResponse: (@Sendable (ResponseEvent) -> Void)? = nil
        /// Called each time a request is shed with 503: `maxInFlightRequests` was reached, or
        /// its bytes did not fit in `memoryBudgetBytes`.
        public var onShed: (@Sendable () -> Void)? = nil
        /// Called each time a connection is refused or closed to protect the connection table
        /// (table full, first-byte timeout, eviction of an idle connection), on the accept or a
        /// connection queue: keep it cheap and non-blocking.
        public var onConnectionDropped: (@Sendable (ConnectionDrop) -> Void)? = nil
        /// Called each time the number of open connections changes, with the new count.
        public var onConnectionCountChange: (@Sendable (Int) -> Void)? = nil
        /// Requests for which this returns `true` skip the `maxInFlightRequests` admission check
        /// and are handled on their connection's queue rather than the handler queue: health
        /// probes and metrics scrapes, which must be cheap and must answer while the server is
        /// saturated.
        public var bypassesAdmission: (@Sendable (Request) -> Bool)? = nil
        /// Header fields that must appear at most once in a request (RFC 9110 §5.3: fields whose
        /// value is not a list); a request that repeats one is answered 400 and the connection
        /// closed. Names are case-insensitive. `Host`, `Content-Length` and `Transfer-Encoding`
        /// framing rules apply whatever this holds. Add an application's own singleton fields here.
        public var singletonFields: Set<String> = [
            "host", "content-length", "content-type", "authorization", "proxy-authorization",
        ]
        /// The answer to every request the server rejects itself (see `ServerRejection`: 400,
        /// 406, 408, 413, 414, 415, 431, 503 when shedding or over `maxConnections`, ...); when `nil`, or when it returns
        /// `nil`, the rejection's `plainTextResponse`. Only the headers and body of the returned
        /// response are used: the server keeps the rejection's status, sets `Content-Length` and
        /// `Connection` itself, and adds `Retry-After` (503) or `Accept-Encoding` (415). Called on
        /// a connection or handler queue (for `tooManyConnections`, once at start): keep it cheap.
        public var errorResponse: (@Sendable (ServerRejection) -> Response?)? = nil

        /// The defaults above, listening on `host:port`.
        public init(host: String = "127.0.0.1", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }
}

extension Server.Configuration {
    /// The response for `rejection`: the `errorResponse` hook's headers and body
    /// (else plain text), with the rejection's status and required header fields.
    func response(for rejection: ServerRejection) -> Response {
        var response = errorResponse?(rejection) ?? rejection.plainTextResponse
        response.status = rejection.status
        switch rejection.kind {
        case .overloaded, .tooManyConnections:
            response.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfterSeconds))
        case .unsupportedContentEncoding:
            response.headers.replaceOrAdd(name: "Accept-Encoding", value: RequestDecoding.acceptedCodings)
        default:
            break
        }
        return response
    }
}

extension Server {
    /// Compression settings (zlib).
    public struct Compression: Sendable {
        /// Compress responses at all (per `Accept-Encoding`). Request inflation is always on.
        public var enabled: Bool = true
        /// Responses with a body of at least this many bytes are compressed. Default 4 KiB.
        public var threshold: Int = 4096
        /// zlib level 1 (fastest) … 9 (smallest). Default 6, zlib's own default.
        public var level: Int = 6
        /// The deflate strategy. Default `.default` (zlib's string matching by level);
        /// `.huffmanOnly` uses lossd's own encoder, `HuffmanOnlyDeflate`.
        public var strategy: Deflater.Strategy = .default

        /// The defaults: enabled, 4 KiB threshold, level 6, zlib's default strategy.
        public init(enabled: Bool = true, threshold: Int = 4096, level: Int = 6, strategy: Deflater.Strategy = .default) {
            self.enabled = enabled
            self.threshold = threshold
            self.level = level
            self.strategy = strategy
        }
    }

    /// TLS settings: PEM files for the server certificate (chain) and its private key.
    public struct TLS: Sendable {
        /// Path of the PEM certificate chain, leaf first.
        public var certificatePath: String
        /// Path of the PEM private key.
        public var keyPath: String

        /// TLS with the given PEM files.
        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }
}
