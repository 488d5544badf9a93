import HTTPServer

/// A handler that also reports what happened: `LossService.respond(to:)`, possibly wrapped by
/// the operations layers (`BearerAuth`), before `AccessLog` turns it into an `HTTPServer.Handler`.
public typealias Exchange = @Sendable (Request) -> (response: Response, record: ExchangeRecord)

extension LossService {
    /// The metrics and access-log `route` label of `request`: the template of the route its
    /// path matches (for any method), or `unmatched`. Bounded by the route table, never a raw path.
    public func routeLabel(for request: Request) -> String {
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, _): route.template
        case .methodNotAllowed(let template, _): template
        case .notFound: HTTPMetrics.unmatchedRoute
        }
    }
}
