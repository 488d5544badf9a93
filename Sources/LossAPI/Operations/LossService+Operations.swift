import HTTPServer

/// What the operations layer (metrics, access log, load shedding, token check) needs from the
/// service.
extension LossService {
    /// Health, readiness and metrics paths: served without a token, and exempt from the
    /// in-flight limit so that probes and scrapes answer while the server is saturated.
    public static let operationalPaths: Set<String> = [
        "/healthz", "/readyz", "/metrics", "/v2/health/live", "/v2/health/ready",
    ]

    /// Whether `path` is the playground's page (`/`, `/playground`) or one of its assets
    /// (`/playground/{asset}`): static files served without a token.
    public static func isPlaygroundPath(_ path: String) -> Bool {
        path == "/" || path == "/playground" || (path.hasPrefix("/playground/") && !path.dropFirst(12).contains("/"))
    }

    /// Header fields of the API that must appear at most once (RFC 9110 §5.3), beyond the
    /// standard ones the server already refuses to see twice: add them to
    /// `Server.Configuration.singletonFields` (a repeat is then a 400 MALFORMED_REQUEST).
    public static let singletonHeaderFields: Set<String> = ["inference-header-content-length"]

    /// The metrics and access-log `route` label of `request`: the template of the route its
    /// path matches (for any method), or `unmatched`. Bounded by the route table, never a raw path.
    public func routeLabel(for request: Request) -> String {
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, _): route.template
        case .methodNotAllowed(let template, _): template
        case .notFound: HTTPMetrics.unmatchedRoute
        }
    }

    /// The problem code lossd answers a server rejection of `kind` with; `nil` for a kind added
    /// to HTTPServer without a code here.
    public static func problemCode(for kind: ServerRejection.Kind) -> ProblemCode? {
        switch kind {
        case .malformedRequest: .malformedRequest
        case .notAcceptable: .notAcceptable
        case .requestTimeout: .requestTimeout
        case .bodyTooLarge: .bodyTooLarge
        case .uriTooLong: .uriTooLong
        case .unsupportedContentEncoding: .unsupportedMediaType
        case .expectationFailed: .expectationFailed
        case .headersTooLarge: .headersTooLarge
        case .versionNotSupported: .httpVersionNotSupported
        case .overloaded, .tooManyConnections: .overloaded
        default: nil
        }
    }

    /// The problem+json answer to a request the server rejects itself (install it as
    /// `Server.Configuration.errorResponse`): MALFORMED_REQUEST (400), NOT_ACCEPTABLE (406),
    /// REQUEST_TIMEOUT (408), BODY_TOO_LARGE (413), URI_TOO_LONG (414), UNSUPPORTED_MEDIA_TYPE
    /// (415), EXPECTATION_FAILED (417), HEADERS_TOO_LARGE (431), OVERLOADED (503 when shedding
    /// or over the connection limit; the server adds `Retry-After`), HTTP_VERSION_NOT_SUPPORTED
    /// (505), with `X-Request-Id` and a `Server-Timing` of zeros (no phase ran). `nil` (the
    /// server's plain text) only for a kind added to HTTPServer without a code here.
    public func serverErrorResponse(for rejection: ServerRejection) -> Response? {
        guard let code = Self.problemCode(for: rejection.kind) else { return nil }
        let detail =
            switch rejection.kind {
            case .overloaded: "Too many requests are in progress; retry after the Retry-After delay."
            case .tooManyConnections: "Too many connections are open; retry after the Retry-After delay."
            default: rejection.detail
            }
        let requestID = RequestID.resolve(rejection.request?.headers["X-Request-Id"])
        var response = problemResponse(Problem(code, detail), requestID: requestID)
        response.headers.add(name: "Server-Timing", value: ExchangeRecord(route: HTTPMetrics.unmatchedRoute, requestID: requestID).serverTiming)
        return response
    }
}
