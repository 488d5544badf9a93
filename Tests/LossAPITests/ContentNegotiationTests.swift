import LossAPI
import Testing

/// `Content-Type` and `Accept` handling (RFC 9110 §8.3, §12.5.1).
@Suite struct ContentNegotiationTests {
    @Test(arguments: [
        (nil, BodyFormat.json), ("application/json", .json), ("Application/JSON; charset=utf-8", .json),
        ("application/problem+json", .json), ("application/octet-stream", .binary),
        ("application/vnd.safetensors", .binary),
    ] as [(String?, BodyFormat)])
    func requestContentType_ChoosesTheFormat(contentType: String?, format: BodyFormat) {
        #expect(BodyFormat.ofRequest(contentType: contentType) == format)
    }

    @Test(arguments: ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "garbage"])
    func unreadContentType_IsRejected(contentType: String) {
        #expect(BodyFormat.ofRequest(contentType: contentType) == nil)
    }

    @Test(arguments: [
        (nil, BodyFormat.json, BodyFormat.json), (nil, .binary, .binary), ("*/*", .binary, .binary),
        ("application/json", .binary, .json), ("application/octet-stream", .json, .binary),
        ("application/json;q=0.5, application/octet-stream", .json, .binary),
        ("application/*", .json, .json), ("application/*;q=0.1, application/json;q=0", .json, .binary),
        ("text/html, */*;q=0.1", .json, .json),
    ] as [(String?, BodyFormat, BodyFormat)])
    func accept_PicksTheHighestQuality_TiesGoToTheRequestFormat(accept: String?, preferred: BodyFormat, expected: BodyFormat)
        throws
    {
        #expect(try BodyFormat.ofResponse(accept: accept, preferred: preferred) == expected)
    }

    @Test(arguments: ["text/html", "application/json;q=0, application/octet-stream;q=0", "image/*"])
    func accept_AdmittingNeitherFormat_IsNotAcceptable(accept: String) {
        #expect(throws: Problem.self) { try BodyFormat.ofResponse(accept: accept, preferred: .json) }
        do {
            _ = try BodyFormat.ofResponse(accept: accept, preferred: .json)
        } catch {
            #expect(error.code == .notAcceptable)
        }
    }
}
