import HTTPServer
import LossAPI
import Metrics
import Prometheus

/// The Prometheus backend of swift-metrics and the `GET /metrics` endpoint.
///
/// `bootstrap()` installs a `PrometheusMetricsFactory` as the process-wide metrics system (once
/// per process), with histogram buckets chosen per family: request latency and kernel time in
/// seconds from 1 ms to 10 s, compression ratio from 1 to 16. `wrap(_:)` answers
/// `GET`/`HEAD /metrics` in the text exposition format (version 0.0.4), after refreshing the
/// process gauges read from `/proc/self`: `process_resident_memory_bytes`, `process_open_fds`,
/// `process_start_time_seconds` (client_golang's names).
struct PrometheusBootstrap: Sendable {
    /// The registry that `/metrics` exposes.
    let registry: PrometheusCollectorRegistry
    private let residentMemory: Prometheus.Gauge
    private let openDescriptors: Prometheus.Gauge

    /// Latency buckets (seconds): OpenTelemetry's advice plus 1 and 2.5 ms for fast routes.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(75), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .milliseconds(750), .seconds(1), .milliseconds(2500), .seconds(5), .milliseconds(7500), .seconds(10),
    ]
    /// Compression ratio buckets (uncompressed / compressed).
    static let ratioBuckets: [Double] = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 16]

    /// The bootstrapped backend; the first call bootstraps swift-metrics, later calls return it.
    static func bootstrap() -> PrometheusBootstrap { shared }

    private static let shared: PrometheusBootstrap = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        factory.valueHistogramBuckets[HTTPMetrics.Name.compressionRatio] = ratioBuckets
        MetricsSystem.bootstrap(factory)
        return PrometheusBootstrap(registry: registry)
    }()

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        func gauge(_ name: String, _ unit: String, _ help: String) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: unit, helpText: help))
        }
        residentMemory = gauge("process_resident_memory", "bytes", "Resident memory size in bytes.")
        openDescriptors = gauge("process_open_fds", "", "Number of open file descriptors.")
        let startTime = gauge("process_start_time", "seconds", "Start time of the process since the Unix epoch in seconds.")
        startTime.set(ProcessStatistics.startTimeSeconds() ?? 0)
    }

    /// The current exposition as a response.
    func exposition() -> Response {
        let statistics = ProcessStatistics.current()
        residentMemory.set(Double(statistics.residentBytes))
        openDescriptors.set(Double(statistics.openDescriptors))
        var body: [UInt8] = []
        body.reserveCapacity(16 * 1024)
        registry.emit(into: &body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        return Response(status: 200, headers: headers, body: body)
    }
}
