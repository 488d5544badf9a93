import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPServer
import LossAPI
import TensorCodecs
import Testing

/// The same requests answered directly by `LossService` (`.router`) and over a loopback socket
/// by `Server` running the service (`.live`): the answers must agree.
@Suite(.serialized) struct LoopbackTests {
    enum Transport: String, CaseIterable, CustomStringConvertible {
        case router, live
        var description: String { rawValue }
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    /// One server for the suite, on an ephemeral port.
    static let server: Server = {
        let service = LossService()
        let server = Server(configuration: .init(host: "127.0.0.1", port: 0), handler: service.handle)
        try! server.start()
        return server
    }()

    func send(_ transport: Transport, _ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:])
        async throws -> Answer
    {
        switch transport {
        case .router:
            let response = LossService().handle(
                Request(method: method, target: path, headers: HTTPHeaders(headers.map { ($0.key, $0.value) }), body: body))
            var fields: [String: String] = [:]
            for field in response.headers { fields[field.name.lowercased()] = field.value }
            return Answer(status: response.status, headers: fields, body: response.body)
        case .live:
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(Self.server.localPort)\(path)")!)
            request.httpMethod = method
            if !body.isEmpty { request.httpBody = Data(body) }
            for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            var fields: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                fields[String(describing: name).lowercased()] = String(describing: value)
            }
            return Answer(status: http.statusCode, headers: fields, body: [UInt8](data))
        }
    }

    @Test(arguments: Transport.allCases)
    func job_IsComputed(transport: Transport) async throws {
        let answer = try await send(
            transport, "POST", "/v1/loss/mse_loss", body: Array(#"{"input": [3.0, 1.0], "target": [1.0, 1.0]}"#.utf8),
            headers: ["Content-Type": "application/json"])
        #expect(answer.status == 200)
        let object = try #require(try JSONReader.parse(answer.body).objectValue)
        #expect(object["value"] == .number(JSONNumber(value: 2, isInteger: false)))
        #expect(answer.headers["x-request-id"] != nil)
        #expect(answer.headers["server-timing"]?.hasPrefix("parse;dur=") == true)
    }

    @Test(arguments: Transport.allCases)
    func problem_HasTheSameCodeAndPointer(transport: Transport) async throws {
        let answer = try await send(
            transport, "POST", "/v1/loss/cross_entropy", body: Array(#"{"input": [[1, 2]], "target": [4]}"#.utf8),
            headers: ["Content-Type": "application/json"])
        #expect(answer.status == 422)
        #expect(answer.headers["content-type"] == "application/problem+json")
        let object = try #require(try JSONReader.parse(answer.body).objectValue)
        #expect(object["code"]?.stringValue == "TARGET_OUT_OF_RANGE")
        guard case .array(let errors)? = object["errors"] else {
            Issue.record("errors is not an array")
            return
        }
        #expect(errors.first?.objectValue?["pointer"]?.stringValue == "/target/0")
    }

    @Test(arguments: Transport.allCases)
    func methodNotAllowed_CarriesAllow(transport: Transport) async throws {
        let answer = try await send(transport, "DELETE", "/v1/losses")
        #expect(answer.status == 405)
        #expect(answer.headers["allow"] == "GET, HEAD")
    }

    @Test(arguments: Transport.allCases)
    func catalogue_IsTheSameBytes(transport: Transport) async throws {
        let answer = try await send(transport, "GET", "/v1/losses")
        let direct = try await send(.router, "GET", "/v1/losses")
        #expect(answer.status == 200)
        #expect(answer.body == direct.body)
    }
}
