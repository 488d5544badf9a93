import HTTPServer
@testable import LossAPI
import Synchronization
import Testing

/// Bearer-token checking: constant-time comparison, header parsing, exempt routes, 401 answers.
@Suite struct OpsBearerAuthTests {
    private let token = "s3cr3t"

    /// An exchange that answers 200 and counts its calls.
    private final class Backend: Sendable {
        let calls = Mutex(0)
        var exchange: Exchange {
            { request in
                self.calls.withLock { $0 += 1 }
                return (Response(status: 200), ExchangeRecord(route: request.path, requestID: "id"))
            }
        }
    }

    private func request(_ path: String, authorization: String? = nil) -> Request {
        var headers = HTTPHeaders()
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        return Request(method: "GET", target: path, headers: headers)
    }

    @Test func constantTimeEquals_IsTrueOnlyForTheSameBytes() {
        let secret = Array("abcdef".utf8)
        #expect(BearerAuth.constantTimeEquals(Array("abcdef".utf8), secret))
        #expect(!BearerAuth.constantTimeEquals(Array("abcdeg".utf8), secret))
        #expect(!BearerAuth.constantTimeEquals(Array("abcde".utf8), secret))
        #expect(!BearerAuth.constantTimeEquals(Array("abcdefabcdef".utf8), secret))
        #expect(!BearerAuth.constantTimeEquals([], secret))
        #expect(!BearerAuth.constantTimeEquals([], []))
    }

    @Test(arguments: [
        (nil, BearerAuth.Outcome.missing), ("Basic s3cr3t", .missing), ("Bearer", .missing), ("Bearer ", .missing),
        ("s3cr3t", .missing), ("Bearers3cr3t", .missing), ("Bearer s3cr3t", .accepted), ("bearer s3cr3t", .accepted),
        ("BEARER   s3cr3t", .accepted), ("Bearer s3cr3T", .invalid), ("Bearer s3cr3t ", .invalid),
        ("Bearer s3cr", .invalid),
    ] as [(String?, BearerAuth.Outcome)])
    func authorizationHeader_IsClassified(header: String?, outcome: BearerAuth.Outcome) {
        #expect(BearerAuth(token: token).check(header) == outcome)
    }

    @Test(arguments: ["/healthz", "/readyz", "/metrics", "/v2/health/live", "/v2/health/ready"])
    func healthAndMetrics_NeedNoToken(path: String) {
        let backend = Backend()
        let exchange = BearerAuth(token: token).wrap(backend.exchange, service: LossService())
        #expect(exchange(request(path)).response.status == 200)
        #expect(backend.calls.withLock { $0 } == 1)
    }

    @Test func missingToken_Is401WithChallengeAndProblem_AndNeverReachesTheService() throws {
        let backend = Backend()
        let exchange = BearerAuth(token: token).wrap(backend.exchange, service: LossService())
        let (response, record) = exchange(request("/v1/loss/cross_entropy"))
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == #"Bearer realm="lossd""#)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""code":"UNAUTHORIZED""#))
        #expect(record.problemCode == "UNAUTHORIZED")
        #expect(record.route == "/v1/loss/{name}")
        #expect(response.headers["X-Request-Id"] == record.requestID)
        #expect(backend.calls.withLock { $0 } == 0)
    }

    @Test func wrongToken_Is401InvalidToken() {
        let exchange = BearerAuth(token: token).wrap(Backend().exchange, service: LossService())
        let response = exchange(request("/v1/losses", authorization: "Bearer nope")).response
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == #"Bearer realm="lossd", error="invalid_token""#)
    }

    @Test func rightToken_ReachesTheService() {
        let backend = Backend()
        let exchange = BearerAuth(token: token).wrap(backend.exchange, service: LossService())
        #expect(exchange(request("/v1/losses", authorization: "Bearer s3cr3t")).response.status == 200)
        #expect(backend.calls.withLock { $0 } == 1)
    }
}
