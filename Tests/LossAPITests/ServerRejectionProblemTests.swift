import HTTPServer
import LossAPI
import TensorCodecs
import Testing

/// `LossService.serverErrorResponse(for:)`, the `errorResponse` hook lossd installs: every
/// rejection the HTTP server makes itself becomes a problem+json with its stable code.
@Suite struct ServerRejectionProblemTests {
    @Test(arguments: [
        (ServerRejection.Kind.malformedRequest, "MALFORMED_REQUEST"),
        (.notAcceptable, "NOT_ACCEPTABLE"),
        (.requestTimeout, "REQUEST_TIMEOUT"),
        (.bodyTooLarge, "BODY_TOO_LARGE"),
        (.uriTooLong, "URI_TOO_LONG"),
        (.unsupportedContentEncoding, "UNSUPPORTED_MEDIA_TYPE"),
        (.expectationFailed, "EXPECTATION_FAILED"),
        (.headersTooLarge, "HEADERS_TOO_LARGE"),
        (.versionNotSupported, "HTTP_VERSION_NOT_SUPPORTED"),
        (.overloaded, "OVERLOADED"),
        (.tooManyConnections, "OVERLOADED"),
    ])
    func serverRejection_IsAProblemWithItsCodeAndStatus(kind: ServerRejection.Kind, code: String) throws {
        let response = try #require(LossService().serverErrorResponse(for: ServerRejection(kind, detail: "because")))
        let problem = try ProblemBody(response)
        #expect(problem.code == code)
        #expect(problem.status == kind.status)
        #expect(response.headers["X-Request-Id"] != nil)
        #expect(response.headers["Server-Timing"] == "parse;dur=0.000, compute;dur=0.000, encode;dur=0.000")
    }

    @Test func rejectionOfAReceivedRequest_NamesItsRequestID() throws {
        let request = Request(method: "POST", target: "/v1/loss/mse_loss", headers: HTTPHeaders([("X-Request-Id", "abc-1")]))
        let response = try #require(
            LossService().serverErrorResponse(for: ServerRejection(.bodyTooLarge, detail: "gzip body too large", request: request)))
        #expect(try response.jsonObject()["instance"]?.stringValue == "urn:lossd:request:abc-1")
        #expect(try ProblemBody(response).detail == "gzip body too large")
    }
}
