public import HTTPServer
import TensorCodecs

/// The lossd HTTP API (shared/API.md) as one `HTTPServer` handler: routing, content negotiation,
/// job decoding, the kernels, result encoding and problem+json errors.
///
/// ```swift
/// let service = LossService()
/// let server = Server(configuration: .init(port: 8080), handler: service.handle)
/// ```
///
/// Seams for the executable: `respond(to:)` also returns the `ExchangeRecord` (route template,
/// request id, phase durations, warnings) for access logs and metrics; `problemResponse(_:requestID:)`
/// renders any problem (401, 503) the same way the routes do; `configuration.readiness` is flipped
/// on SIGTERM; `configuration.extraRoutes` adds routes such as `GET /metrics`.
public struct LossService: Sendable {
    /// A route handler: the service, the request, the `{...}` path parameters, and the record
    /// to fill in. A thrown error is answered as `Problem(from:)` renders it (a `Problem` as
    /// itself, anything else as a 500 without details).
    public typealias RouteHandler =
        @Sendable (LossService, Request, [String: String], inout ExchangeRecord) throws -> Response

    /// Service settings.
    public struct Configuration: Sendable {
        /// Readiness, shared with whoever handles SIGTERM.
        public var readiness = Readiness()
        /// Most jobs in one POST /v1/batch; more is a MALFORMED_REQUEST.
        public var maxBatchJobs = 1024
        /// Deepest JSON nesting accepted in a request body (deeper is MALFORMED_JSON).
        public var maxJSONDepth = 64
        /// Most values a JSON body may hold (numbers above all), checked while parsing: 16 Mi
        /// numbers cost about 400 MB while they are read and decoded (see README, Memory).
        public var maxJSONValues = 1 << 24
        /// Routes added after the API's own (for example `GET /metrics`).
        public var extraRoutes: [(method: String, template: String, handler: RouteHandler)] = []

        /// The defaults.
        public init() {}
    }

    /// The server name and version reported by `GET /v2`.
    public static let serverName = "lossd"

    /// Makes the job metrics that must exist before their first event (every warning code's
    /// counter, at 0). Call once, after bootstrapping the metrics backend.
    public static func registerMetrics() { JobRunner.registerWarningCounters() }
    /// The API version (also in openapi.yaml).
    public static let version = "1.0.0"

    /// The settings in force.
    public let configuration: Configuration
    let router: Router<RouteHandler>

    /// A service with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        var router = Router<RouteHandler>()
        Self.addRoutes(to: &router)
        for route in configuration.extraRoutes { router.add(route.method, route.template, route.handler) }
        self.router = router
    }

    /// The bytes answering `request` allocates beyond its body (parsed tensors, gradients, the
    /// encoded answer), for the server's memory budget (`Server.Configuration.workingSetEstimate`).
    /// From measured peaks (README, Memory): a JSON body costs about 4 more times its size, never
    /// more than its value budget allows; a binary (safetensors) body about 2 more times.
    @Sendable public func workingSetEstimate(for request: Request) -> Int {
        let body = request.body.count
        if request.headers["Content-Type"]?.lowercased().hasPrefix("application/octet-stream") == true {
            return 2 * body
        }
        return min(4 * body, Self.bytesPerJSONValue * configuration.maxJSONValues)
    }

    /// What one JSON value may cost at most while it is read, decoded and answered (README, Memory).
    static let bytesPerJSONValue = 24

    /// Answers one request (the `HTTPServer.Handler`).
    @Sendable public func handle(_ request: Request) -> Response {
        respond(to: request).response
    }

    /// Answers one request and reports what happened.
    public func respond(to request: Request) -> (response: Response, record: ExchangeRecord) {
        JobRunner.answering { answer(request) }
    }

    private func answer(_ request: Request) -> (response: Response, record: ExchangeRecord) {
        let requestID = RequestID.resolve(request.headers["X-Request-Id"])
        var record = ExchangeRecord(route: "unmatched", requestID: requestID)
        var response: Response
        do {
            switch router.match(method: request.method, path: request.path) {
            case .found(let route, let parameters):
                record.route = route.template
                response = try route.handler(self, request, parameters, &record)
            case .methodNotAllowed(let template, let allow):
                record.route = template
                throw Problem(
                    .methodNotAllowed, "\(request.method) is not allowed on \(template); use \(allow.joined(separator: ", ")).",
                    headers: [("Allow", allow.joined(separator: ", "))])
            case .notFound:
                throw Problem(.notFound, "No route for \(request.path).")
            }
        } catch {
            let problem = Problem(from: error)
            record.problemCode = problem.code.rawValue
            response = problemResponse(problem, requestID: requestID)
        }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: requestID)
        response.headers.replaceOrAdd(name: "Server-Timing", value: record.serverTiming)
        return (response, record)
    }

    /// `problem` as an `application/problem+json` response with its own headers (`Allow`,
    /// `Retry-After`, ...) and `X-Request-Id`.
    public func problemResponse(_ problem: Problem, requestID: String) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/problem+json")
        for field in problem.headers { headers.add(name: field.name, value: field.value) }
        headers.add(name: "X-Request-Id", value: requestID)
        return Response(status: problem.status, headers: headers, body: ProblemRenderer.render(problem, requestID: requestID))
    }
}
