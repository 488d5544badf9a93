import LossAPI
import Testing

/// Method and path matching of `Router`, independent of any handler.
@Suite struct RouterTests {
    private let router: Router<String> = {
        var router = Router<String>()
        router.add("GET", "/v1/losses", "losses")
        router.add("POST", "/v1/loss/{name}", "loss")
        router.add("GET", "/v2/models/{name}", "model")
        router.add("GET", "/v2/models/{name}/ready", "ready")
        return router
    }()

    @Test func literalPath_MatchesItsMethod() {
        guard case .found(let route, let parameters) = router.match(method: "GET", path: "/v1/losses") else {
            Issue.record("no match")
            return
        }
        #expect(route.handler == "losses")
        #expect(parameters.isEmpty)
    }

    @Test func parameterSegment_IsBoundByName() {
        guard case .found(let route, let parameters) = router.match(method: "GET", path: "/v2/models/mse_loss/ready") else {
            Issue.record("no match")
            return
        }
        #expect(route.handler == "ready")
        #expect(route.template == "/v2/models/{name}/ready")
        #expect(parameters == ["name": "mse_loss"])
    }

    @Test func head_MatchesGetRoutes() {
        guard case .found(let route, _) = router.match(method: "HEAD", path: "/v1/losses") else {
            Issue.record("no match")
            return
        }
        #expect(route.handler == "losses")
    }

    @Test(arguments: [
        ("DELETE", "/v1/losses", ["GET", "HEAD"]),
        ("GET", "/v1/loss/x", ["POST"]),
        ("PUT", "/v2/models/x", ["GET", "HEAD"]),
    ])
    func knownPath_WrongMethod_IsMethodNotAllowedWithAllow(method: String, path: String, allow: [String]) {
        guard case .methodNotAllowed(_, let allowed) = router.match(method: method, path: path) else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == allow)
    }

    @Test(arguments: ["/", "/v1", "/v1/loss", "/v1/loss/", "/v1/loss/a/b", "/v1/losses/", "v1/losses", "/v2/models//ready"])
    func unknownPath_IsNotFound(path: String) {
        guard case .notFound = router.match(method: "GET", path: path) else {
            Issue.record("expected 404 for \(path)")
            return
        }
    }
}
