import HTTPServer

/// What the operations layer (metrics, access log, load shedding, token check) needs from the
/// service.
extension LossService {
    /// Health, readiness and metrics paths: served without a token, and exempt from the
    /// in-flight limit so that probes and scrapes answer while the server is saturated.
    public static let operationalPaths: Set<String> = [
        "/healthz", "/readyz", "/metrics", "/v2/health/live", "/v2/health/ready",
    ]

    /// The metrics and access-log `route` label of `request`: the template of the route its
    /// path matches (for any method), or `unmatched`. Bounded by the route table, never a raw path.
    public func routeLabel(for request: Request) -> String {
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, _): route.template
        case .methodNotAllowed(let template, _): template
        case .notFound: HTTPMetrics.unmatchedRoute
        }
    }

    /// The 503 `OVERLOADED` problem answered to a request shed at the in-flight limit (the
    /// server adds `Retry-After`).
    public func overloadedResponse(for request: Request) -> Response {
        let problem = Problem(.overloaded, "Too many requests are in progress; retry after the Retry-After delay.")
        return problemResponse(problem, requestID: RequestID.resolve(request.headers["X-Request-Id"]))
    }
}
