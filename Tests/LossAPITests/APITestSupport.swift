import HTTPServer
import LossAPI
import TensorCodecs
import Testing

/// Builds requests and reads answers for tests that call `LossService` directly (no sockets).
struct APIClient {
    var service = LossService()

    /// Answers `method path` with `body` and `headers`.
    func send(_ method: String, _ target: String, body: [UInt8] = [], headers: [(String, String)] = []) -> Response {
        service.handle(Request(method: method, target: target, headers: HTTPHeaders(headers), body: body))
    }

    func get(_ target: String, headers: [(String, String)] = []) -> Response {
        send("GET", target, headers: headers)
    }

    /// POSTs `json` as `application/json`.
    func post(_ target: String, json: String, headers: [(String, String)] = []) -> Response {
        send("POST", target, body: Array(json.utf8), headers: [("Content-Type", "application/json")] + headers)
    }
}

/// The parts of a problem+json answer that tests check.
struct ProblemBody {
    var status: Int
    var code: String
    var pointers: [String]
    var detail: String

    init(_ response: Response, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(response.headers["Content-Type"] == "application/problem+json", sourceLocation: sourceLocation)
        let object = try #require(try JSONReader.parse(response.body).objectValue, sourceLocation: sourceLocation)
        status = Int(try #require(object["status"]?.numberValue?.value, sourceLocation: sourceLocation))
        code = try #require(object["code"]?.stringValue, sourceLocation: sourceLocation)
        detail = try #require(object["detail"]?.stringValue, sourceLocation: sourceLocation)
        #expect(object["error"]?.stringValue == detail, sourceLocation: sourceLocation)
        #expect(status == response.status, sourceLocation: sourceLocation)
        var pointers: [String] = []
        if case .array(let errors)? = object["errors"] {
            for error in errors { pointers.append(try #require(error.objectValue?["pointer"]?.stringValue)) }
        }
        self.pointers = pointers
    }
}

extension Response {
    /// The body parsed as a JSON object.
    func jsonObject(sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
        try #require(try JSONReader.parse(body).objectValue, sourceLocation: sourceLocation)
    }
}
