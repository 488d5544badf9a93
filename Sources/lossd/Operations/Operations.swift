import HTTPServer
import LossAPI
import Logging

/// The operations layer of `lossd serve`, assembled around the API service: JSON logging,
/// Prometheus metrics and `GET /metrics`, access logs, the optional bearer token, TLS, and the
/// SIGTERM drain.
///
/// ```swift
/// let operations = Operations.bootstrap(try options.settings())   // once per process
/// var serviceConfiguration = LossService.Configuration()
/// operations.configure(&serviceConfiguration)
/// let service = LossService(configuration: serviceConfiguration)
/// var serverConfiguration = Server.Configuration(host: host, port: port)
/// let handler = operations.handler(for: service, configuration: &serverConfiguration)
/// try operations.serveUntilDrained(Server(configuration: serverConfiguration, handler: handler))
/// ```
struct Operations: Sendable {
    /// The settings in force.
    let settings: OperationsSettings
    /// The `lossd` logger (lifecycle messages).
    let logger: Logger
    private let prometheus: PrometheusBootstrap

    /// Blocks SIGTERM and SIGINT for the drain (see `GracefulShutdown`), bootstraps swift-log
    /// (one JSON object per line on stdout, at `settings.logLevel`) and swift-metrics
    /// (Prometheus). Call once per process, first thing, before any other thread is started.
    static func bootstrap(_ settings: OperationsSettings) -> Operations {
        GracefulShutdown.blockSignals()
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        let operations = Operations(settings: settings, logger: Logger(label: "lossd"), prometheus: .bootstrap())
        LossService.registerMetrics()
        return operations
    }

    /// Adds `GET /metrics` to the service's routes.
    func configure(_ configuration: inout LossService.Configuration) {
        let prometheus = self.prometheus
        configuration.extraRoutes.append((method: "GET", template: "/metrics", handler: { _, _, _, _ in
            prometheus.exposition()
        }))
    }

    /// The server handler for `service`: access log around the bearer token check (when
    /// configured) around the service; and `configuration` with TLS, the metrics and access-log
    /// hooks, the rate-limited log of dropped connections, problem+json for the requests the
    /// server rejects itself (400, 408, 413, 503 ...), the API's own must-appear-once header
    /// fields, and probes and scrapes exempt from shedding (and served in the probe reserve).
    func handler(for service: LossService, configuration: inout Server.Configuration) -> Handler {
        if let tls = settings.tls {
            configuration.tls = tls
        }
        let routeOf: @Sendable (Request) -> String = { service.routeLabel(for: $0) }
        configuration.bypassesAdmission = { LossService.operationalPaths.contains($0.path) }
        configuration.errorResponse = { service.serverErrorResponse(for: $0) }
        HTTPMetrics(routeOf: routeOf).install(into: &configuration)
        ConnectionDropLog(logger: Logger(label: "lossd.connections")).install(into: &configuration)
        configuration.singletonFields.formUnion(LossService.singletonHeaderFields)
        let accessLog = AccessLog(logger: Logger(label: "lossd.access"), routeOf: routeOf)
        accessLog.install(into: &configuration)
        var exchange: Exchange = { service.respond(to: $0) }
        if let token = settings.authToken {
            exchange = BearerAuth(token: token).wrap(exchange, service: service)
        }
        return accessLog.wrap(exchange)
    }

    /// Starts `server`, then blocks until a SIGTERM or SIGINT has drained it (see
    /// `GracefulShutdown`); `readiness` is turned off by the first signal. Returns normally after
    /// the drain, so that the process exits 0.
    ///
    /// - Throws: `ServerError` when the server cannot start.
    func serveUntilDrained(_ server: Server, readiness: Readiness) throws {
        let shutdown = GracefulShutdown(
            readiness: readiness, grace: settings.drainGrace, deadline: settings.drainDeadline, logger: logger)
        try server.start()
        logger.notice(
            "listening",
            metadata: [
                "host": .string(server.configuration.host), "port": .stringConvertible(server.localPort),
                "tls": .stringConvertible(server.configuration.tls != nil),
                "auth": .stringConvertible(settings.authToken != nil),
            ])
        let deadline = settings.drainDeadline
        shutdown.waitForSignalsAndDrain { server.shutdown(deadline: deadline) }
    }
}
