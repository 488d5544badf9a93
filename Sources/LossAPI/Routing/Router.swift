/// Method and path matching for the lossd routes.
///
/// A route is a method plus a path template such as `/v1/loss/{name}`; a `{...}` segment
/// matches any one non-empty path segment and is handed to the handler by name. `HEAD` matches
/// every `GET` route (the server drops the body). A path that matches some route but not its
/// method is a 405 whose `Allow` lists the methods that would have matched.
public struct Router<Handler: Sendable>: Sendable {
    /// One route: a method, a template, and what to run.
    public struct Route: Sendable {
        /// The method token (`GET`, `POST`).
        public var method: String
        /// The path template, e.g. `/v2/models/{name}/infer`; also the metrics `route` label.
        public var template: String
        /// What the route runs.
        public var handler: Handler
        fileprivate var segments: [Segment]

        /// A route for `method` on `template`.
        public init(_ method: String, _ template: String, _ handler: Handler) {
            self.method = method
            self.template = template
            self.handler = handler
            self.segments = template.split(separator: "/", omittingEmptySubsequences: false)
                .dropFirst()
                .map { $0.hasPrefix("{") && $0.hasSuffix("}") ? .parameter(String($0.dropFirst().dropLast())) : .literal(String($0)) }
        }
    }

    fileprivate enum Segment: Sendable {
        case literal(String)
        case parameter(String)
    }

    /// The outcome of matching a request.
    public enum Match {
        /// A route matched; `parameters` holds the `{...}` segments by name.
        case found(Route, parameters: [String: String])
        /// The path exists for other methods only (sorted, `HEAD` included where `GET` is).
        case methodNotAllowed(template: String, allow: [String])
        /// No route has this path.
        case notFound
    }

    /// The routes, tried in order.
    public private(set) var routes: [Route] = []

    /// An empty router.
    public init() {}

    /// Adds a route; earlier routes win when two templates match the same path.
    public mutating func add(_ method: String, _ template: String, _ handler: Handler) {
        routes.append(Route(method, template, handler))
    }

    /// Matches `method` and `path` (percent-decoded, without the query).
    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/") else { return .notFound }
        var allowed: Set<String> = []
        var template: String?
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: parts) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route, parameters: parameters)
            }
            allowed.insert(route.method)
            if route.method == "GET" { allowed.insert("HEAD") }
            template = template ?? route.template
        }
        if let template {
            return .methodNotAllowed(template: template, allow: allowed.sorted())
        }
        return .notFound
    }

    private static func bind(_ segments: [Segment], to parts: ArraySlice<Substring>) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        return parameters
    }
}
