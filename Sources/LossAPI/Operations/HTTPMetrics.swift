import HTTPServer
import Metrics

/// Records the HTTP-level metric families of lossd from the server's observer hooks, through
/// swift-metrics (the executable bootstraps the Prometheus backend and serves `/metrics`).
///
/// | family | type | labels | source |
/// |---|---|---|---|
/// | `lossd_http_requests_total` | counter | route, method, status | every response written |
/// | `lossd_http_request_duration_seconds` | histogram | route | first request byte to last response byte |
/// | `lossd_http_request_bytes_total` | counter | route | request bytes read from the wire |
/// | `lossd_http_response_bytes_total` | counter | route | response bytes written to the wire |
/// | `lossd_compression_ratio` | histogram | — | uncompressed / compressed body size of each compressed response |
/// | `lossd_open_connections` | gauge | — | open client connections |
/// | `lossd_shed_total` | counter | — | requests answered 503 because the in-flight limit was reached or their bytes did not fit in the memory budget |
/// | `lossd_connections_dropped_total` | counter | reason | connections refused or closed to protect the connection table (`ConnectionDrop.Reason`: `table_full`, `first_byte_timeout`, `evicted_idle`, `evicted_silent`) |
///
/// Label values are bounded: `route` is a route template (or `unmatched`), `method` one of the
/// standard methods (or `_OTHER`), `status` a three-digit code. Raw paths and ids never become
/// labels.
public struct HTTPMetrics: Sendable {
    /// Metric family names (shared with tests and the Prometheus bootstrap's bucket choices).
    public enum Name {
        /// Responses written, by route, method and status.
        public static let requests = "lossd_http_requests_total"
        /// Request latency histogram, by route.
        public static let requestDuration = "lossd_http_request_duration_seconds"
        /// Request bytes read, by route.
        public static let requestBytes = "lossd_http_request_bytes_total"
        /// Response bytes written, by route.
        public static let responseBytes = "lossd_http_response_bytes_total"
        /// Compression ratio histogram of compressed responses.
        public static let compressionRatio = "lossd_compression_ratio"
        /// Open client connections.
        public static let openConnections = "lossd_open_connections"
        /// Requests shed at the in-flight limit or the memory budget.
        public static let shed = "lossd_shed_total"
        /// Connections refused or closed to protect the connection table, by reason.
        public static let connectionsDropped = "lossd_connections_dropped_total"
    }

    /// The `route` label of requests that matched no route, or that the server answered before a
    /// complete request existed (400, 408, 413, 414, 431).
    public static let unmatchedRoute = "unmatched"

    private let routeOf: @Sendable (Request) -> String
    private let openConnections: Gauge
    private let shedCounter: Counter
    private let compressionRatio: Recorder
    /// One counter per `ConnectionDrop.Reason`, made at start so each is exported at 0.
    private let dropCounters: [String: Counter]
    private let perRoute = MetricHandles { (route: String) in
        (duration: Timer(label: Name.requestDuration, dimensions: [("route", route)]),
         bytesIn: Counter(label: Name.requestBytes, dimensions: [("route", route)]),
         bytesOut: Counter(label: Name.responseBytes, dimensions: [("route", route)]))
    }
    private let requestCounters = MetricHandles { (labels: RequestLabels) in
        Counter(label: Name.requests,
                dimensions: [("route", labels.route), ("method", labels.method), ("status", String(labels.status))])
    }

    /// The labels of `lossd_http_requests_total`.
    private struct RequestLabels: Hashable, Sendable {
        var route: String
        var method: String
        var status: Int
    }

    /// Metrics whose `route` label comes from `routeOf` (a route template such as
    /// `/v1/loss/{name}`, or `unmatched`; `LossService.routeLabel(for:)`).
    public init(routeOf: @escaping @Sendable (Request) -> String) {
        self.routeOf = routeOf
        self.openConnections = Gauge(label: Name.openConnections)
        self.shedCounter = Counter(label: Name.shed)
        self.compressionRatio = Recorder(label: Name.compressionRatio)
        self.dropCounters = Dictionary(uniqueKeysWithValues: ConnectionDrop.Reason.allCases.map {
            ($0.name, Counter(label: Name.connectionsDropped, dimensions: [("reason", $0.name)]))
        })
        // Families appear on /metrics at zero from the start, not only after the first event.
        openConnections.record(0)
        shedCounter.increment(by: 0)
        for counter in dropCounters.values { counter.increment(by: 0) }
    }

    /// Adds the observer hooks to `configuration`, after any hooks already set there.
    public func install(into configuration: inout Server.Configuration) {
        let previousResponse = configuration.onResponse
        configuration.onResponse = { event in
            previousResponse?(event)
            self.record(event)
        }
        let previousShed = configuration.onShed
        configuration.onShed = {
            previousShed?()
            self.recordShed()
        }
        let previousDrop = configuration.onConnectionDropped
        configuration.onConnectionDropped = { drop in
            previousDrop?(drop)
            self.recordDrop(drop.reason)
        }
        let previousCount = configuration.onConnectionCountChange
        configuration.onConnectionCountChange = { count in
            previousCount?(count)
            self.recordOpenConnections(count)
        }
    }

    /// Records one written response.
    public func record(_ event: ResponseEvent) {
        let route = event.request.map(routeOf) ?? Self.unmatchedRoute
        let method = event.request.map { Self.methodLabel($0.method) } ?? "_OTHER"
        requestCounters[RequestLabels(route: route, method: method, status: event.status)].increment()
        let handles = perRoute[route]
        handles.duration.recordNanoseconds(Self.nanoseconds(event.totalDuration))
        handles.bytesIn.increment(by: event.bytesIn)
        handles.bytesOut.increment(by: event.bytesOut)
        if event.contentEncoding != nil, event.bodyBytesOut > 0 {
            compressionRatio.record(Double(event.uncompressedBodyBytes) / Double(event.bodyBytesOut))
        }
    }

    /// Records the number of open client connections.
    public func recordOpenConnections(_ count: Int) {
        openConnections.record(count)
    }

    /// Records one connection refused or closed to protect the connection table.
    public func recordDrop(_ reason: ConnectionDrop.Reason) {
        (dropCounters[reason.name] ?? Counter(label: Name.connectionsDropped, dimensions: [("reason", reason.name)])).increment()
    }

    /// Records one request shed with 503 at the in-flight limit.
    public func recordShed() {
        shedCounter.increment()
    }

    /// The standard methods keep their name; any other token (which a client chooses freely)
    /// becomes `_OTHER`, as OpenTelemetry does, so that it cannot inflate the label set.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE": method
        default: "_OTHER"
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
