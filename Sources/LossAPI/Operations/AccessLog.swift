import HTTPServer
import Logging

/// One structured access-log line per request, through swift-log (the executable installs a
/// JSON handler, so each line is one JSON object on stdout).
///
/// Responses of the service are logged by `wrap(_:)`, which has the service's `ExchangeRecord`
/// (route, request id, phase durations, warning codes). Responses the server writes on its own
/// (framing errors 400/408/413/414/431 and load-shedding 503s, where no handler ran) are logged
/// by the `onResponse` hook that `install(into:)` adds. Either way a request gets exactly one line.
///
/// Fields (metadata of the message `request` on the `lossd.access` logger, level info):
///
/// | field | meaning |
/// |---|---|
/// | `request_id` | the `X-Request-Id` answered (echoed or generated) |
/// | `method`, `route`, `target` | method (`_OTHER` for non-standard ones), route template or `unmatched`, request-target |
/// | `status`, `code` | response status, and the problem code of an error answer (server-written ones included) |
/// | `bytes_in`, `bytes_out` | request body bytes (decoded) and response body bytes (before compression); for server-written responses, bytes on the wire |
/// | `duration_s` | time in the service, or first request byte to last response byte for server-written responses |
/// | `parse_ms`, `compute_ms`, `encode_ms` | the service's phases (its `Server-Timing`) |
/// | `losses`, `warnings` | losses computed and warning codes raised (distinct, in order) |
/// | `remote_addr`, `user_agent` | peer address and `User-Agent` |
/// | `source` | `service` or `server` |
public struct AccessLog: Sendable {
    private let logger: Logger
    private let routeOf: @Sendable (Request) -> String

    /// An access log written to `logger` (its level decides whether lines are written);
    /// `routeOf` names the route of requests the server answers on its own.
    public init(logger: Logger, routeOf: @escaping @Sendable (Request) -> String) {
        self.logger = logger
        self.routeOf = routeOf
    }

    /// The server handler: `exchange`'s responses, each logged.
    public func wrap(_ exchange: @escaping Exchange) -> Handler {
        { request in
            let start = ContinuousClock.now
            let (response, record) = exchange(request)
            guard self.logger.logLevel <= .info else { return response }
            var fields = Self.requestFields(request, route: record.route)
            fields["request_id"] = .string(record.requestID)
            fields["status"] = .stringConvertible(response.status)
            fields["bytes_in"] = .stringConvertible(request.body.count)
            fields["bytes_out"] = .stringConvertible(response.body.count)
            fields["duration_s"] = .stringConvertible(Self.seconds(ContinuousClock.now - start))
            fields["parse_ms"] = .stringConvertible(Self.milliseconds(record.parse))
            fields["compute_ms"] = .stringConvertible(Self.milliseconds(record.compute))
            fields["encode_ms"] = .stringConvertible(Self.milliseconds(record.encode))
            fields["source"] = "service"
            if let code = record.problemCode {
                fields["code"] = .string(code)
            }
            if !record.losses.isEmpty {
                fields["losses"] = .array(Self.distinct(record.losses).map { .string($0) })
            }
            if !record.warningCodes.isEmpty {
                fields["warnings"] = .array(Self.distinct(record.warningCodes).map { .string($0) })
            }
            self.logger.info("request", metadata: fields)
            return response
        }
    }

    /// Adds the hook that logs responses the server writes without running the handler.
    public func install(into configuration: inout Server.Configuration) {
        let previous = configuration.onResponse
        configuration.onResponse = { event in
            previous?(event)
            self.recordServerResponse(event)
        }
    }

    /// Logs `event` when the server wrote it on its own (no handler ran); the service's
    /// responses are logged by `wrap(_:)`.
    public func recordServerResponse(_ event: ResponseEvent) {
        guard event.handlerDuration == nil, logger.logLevel <= .info else { return }
        var fields: Logger.Metadata =
            event.request.map { Self.requestFields($0, route: routeOf($0)) }
            ?? ["route": .string(HTTPMetrics.unmatchedRoute)]
        fields["status"] = .stringConvertible(event.status)
        fields["bytes_in"] = .stringConvertible(event.bytesIn)
        fields["bytes_out"] = .stringConvertible(event.bytesOut)
        fields["duration_s"] = .stringConvertible(Self.seconds(event.totalDuration))
        fields["remote_addr"] = .string(event.remoteAddress)
        fields["source"] = "server"
        // The id and code the answer carries (generated when the request had no usable id, or
        // was not read whole), so that the line matches what the client saw.
        if let id = event.responseHeaders["X-Request-Id"] {
            fields["request_id"] = .string(id)
        }
        if let code = LossService.problemCode(for: .forStatus(event.status)) {
            fields["code"] = .string(code.rawValue)
        }
        logger.info("request", metadata: fields)
    }

    /// Longest client-chosen text (request-target, user agent) copied into a line.
    static let maxEchoedLength = 512

    private static func requestFields(_ request: Request, route: String) -> Logger.Metadata {
        var fields: Logger.Metadata = [
            "method": .string(HTTPMetrics.methodLabel(request.method)),
            "route": .string(route),
            "target": .string(String(request.target.prefix(maxEchoedLength))),
            "remote_addr": .string(request.remoteAddress),
        ]
        if let agent = request.headers["User-Agent"] {
            fields["user_agent"] = .string(String(agent.prefix(maxEchoedLength)))
        }
        return fields
    }

    private static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Seconds, to the microsecond.
    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds / 1_000_000_000_000) / 1e6
    }

    /// Milliseconds, to the microsecond.
    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) / 1000
    }
}
