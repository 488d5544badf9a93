import Foundation
import HTTPServer
import LossAPI
import LossKernels
import TensorCodecs
import Testing

/// Routes, headers and problems of `LossService`, called directly without sockets.
@Suite struct ServiceRoutingTests {
    let client = APIClient()

    @Test func healthz_IsOk_WithRequestIdAndServerTiming() throws {
        let response = client.get("/healthz")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"status":"ok"}"#)
        #expect(response.headers["X-Request-Id"]?.count == 16)
        let timing = try #require(response.headers["Server-Timing"])
        #expect(timing.hasPrefix("parse;dur=") && timing.contains(", compute;dur=") && timing.contains(", encode;dur="))
    }

    @Test func requestId_IsEchoed_AndUnusableOnesAreReplaced() {
        #expect(client.get("/healthz", headers: [("X-Request-Id", "trace-42")]).headers["X-Request-Id"] == "trace-42")
        let long = String(repeating: "x", count: 201)
        #expect(client.get("/healthz", headers: [("X-Request-Id", long)]).headers["X-Request-Id"]?.count == 16)
        #expect(client.get("/healthz", headers: [("X-Request-Id", "a b")]).headers["X-Request-Id"] != "a b")
    }

    @Test func readiness_TurnsTo503_WhenDraining() {
        var configuration = LossService.Configuration()
        configuration.readiness = Readiness()
        let client = APIClient(service: LossService(configuration: configuration))
        #expect(client.get("/readyz").status == 200)
        #expect(client.get("/v2/health/ready").status == 200)
        configuration.readiness.startDraining()
        let readyz = client.get("/readyz")
        #expect(readyz.status == 503)
        #expect(String(decoding: readyz.body, as: UTF8.self) == #"{"status":"draining"}"#)
        #expect(client.get("/v2/health/ready").status == 503)
        #expect(client.get("/healthz").status == 200)
        #expect(client.get("/v2/health/live").status == 200)
    }

    @Test func openapi_IsTheGeneratedDocumentAndTheRepositoryFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        let expected = try Data(contentsOf: file)
        let response = client.get("/openapi.yaml")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/yaml")
        #expect(Data(response.body) == expected, "run scripts/generate-contract.sh: openapi.yaml differs from the generator (lossd openapi)")
    }

    @Test func catalogue_ListsEveryLossWithItsOptionsAndDefaults() throws {
        let body = try client.get("/v1/losses").jsonObject()
        guard case .array(let losses)? = body["losses"] else {
            Issue.record("losses is not an array")
            return
        }
        let names = losses.compactMap { $0.objectValue?["name"]?.stringValue }
        #expect(names == LossName.allCases.map(\.rawValue))
        let crossEntropy = try #require(losses.first?.objectValue)
        guard case .array(let options)? = crossEntropy["options"] else {
            Issue.record("options is not an array")
            return
        }
        let ignoreIndex = try #require(options.first { $0.objectValue?["name"]?.stringValue == "ignore_index" }?.objectValue)
        #expect(ignoreIndex["default"] == .number(JSONNumber(value: -100, isInteger: true)))
    }

    @Test func unknownPath_Is404NotFoundProblem() throws {
        let problem = try ProblemBody(client.get("/v1/nothing"))
        #expect(problem.status == 404 && problem.code == "NOT_FOUND")
    }

    @Test func wrongMethod_Is405WithAllow() throws {
        let response = client.send("DELETE", "/v1/batch")
        #expect(response.headers["Allow"] == "POST")
        #expect(try ProblemBody(response).code == "METHOD_NOT_ALLOWED")
        #expect(response.headers["X-Request-Id"] != nil)
    }

    @Test(arguments: ["/v1/loss/softmax", "/v2/models/softmax", "/v2/models/softmax/ready"])
    func unknownLoss_Is404UnknownLoss(path: String) throws {
        let response = path.hasPrefix("/v1") ? client.post(path, json: "{}") : client.get(path)
        #expect(try ProblemBody(response).code == "UNKNOWN_LOSS")
    }

    @Test func unreadContentType_Is415() throws {
        let response = client.send(
            "POST", "/v1/loss/mse_loss", body: Array("input=1".utf8),
            headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(try ProblemBody(response).code == "UNSUPPORTED_MEDIA_TYPE")
    }

    @Test func acceptAdmittingNoFormat_Is406() throws {
        let response = client.post("/v1/loss/mse_loss", json: #"{"input":[1],"target":[1]}"#, headers: [("Accept", "text/html")])
        #expect(try ProblemBody(response).code == "NOT_ACCEPTABLE")
    }

    @Test func modelMetadata_DescribesInputsAndOutputs() throws {
        let body = try client.get("/v2/models/binary_cross_entropy_with_logits").jsonObject()
        #expect(body["name"]?.stringValue == "binary_cross_entropy_with_logits")
        guard case .array(let inputs)? = body["inputs"] else {
            Issue.record("inputs is not an array")
            return
        }
        #expect(inputs.compactMap { $0.objectValue?["name"]?.stringValue } == ["input", "target", "weight", "pos_weight", "grad_output"])
        let server = try client.get("/v2").jsonObject()
        #expect(server["name"]?.stringValue == "lossd")
    }
}
