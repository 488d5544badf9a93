import Foundation
import HTTPServer
@testable import LossAPI
import LossKernels
import Testing

/// safetensors bodies on POST /v1/loss/{name}, without sockets.
@Suite struct SafetensorsJobTests {
    let client = APIClient()

    private func body(_ entries: [SafetensorsWriter.Entry]) -> [UInt8] {
        SafetensorsWriter.write(entries)
    }

    private func post(_ target: String, _ entries: [SafetensorsWriter.Entry], accept: String? = nil) -> Response {
        var headers = [("Content-Type", "application/octet-stream")]
        if let accept { headers.append(("Accept", accept)) }
        return client.send("POST", target, body: body(entries), headers: headers)
    }

    @Test func safetensorsJob_IsAnsweredInSafetensors_WithDiagnosticsInTheMetadata() throws {
        let response = post("/v1/loss/mse_loss?reduction=sum", [
            .init(name: "input", shape: [2], float32: [3, 1]), .init(name: "target", shape: [2], float32: [1, 1]),
        ])
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "application/octet-stream")
        let file = try SafetensorsReader.read(response.body)
        #expect(file["value"]?.floatValues() == [4])
        #expect(file["grad"]?.floatValues() == [4, 0])
        #expect(file["grad"]?.shape == [2])
        let diagnostics = try #require(file.metadata("diagnostics"))
        #expect(try JSONReader.parse(Array(diagnostics.utf8)).objectValue?["warnings"] != nil)
    }

    @Test func float64Input_SelectsFloat64_AndJSONCanBeAskedFor() throws {
        let response = post("/v1/loss/l1_loss", [
            .init(name: "input", shape: [1], float64: [0.1]), .init(name: "target", shape: [1], float64: [0]),
        ], accept: "application/json")
        #expect(response.status == 200)
        let object = try response.jsonObject()
        #expect(object["dtype"]?.stringValue == "float64")
        #expect(object["value"] == .number(JSONNumber(value: 0.1, isInteger: false)))
    }

    @Test func halfPrecisionInput_IsWidened_AndIntegerTargetsAreClassIndices() throws {
        let half: [UInt8] = [0x00, 0x3C, 0x00, 0x40]  // 1.0, 2.0 as little-endian F16
        let response = post("/v1/loss/cross_entropy?reduction=sum", [
            .init(name: "input", dtype: .f16, shape: [1, 2], bytes: half),
            .init(name: "target", dtype: .u8, shape: [1], bytes: [1]),
        ])
        #expect(response.status == 200)
        let value = try #require(try SafetensorsReader.read(response.body)["value"]?.floatValues()?.first)
        #expect(abs(Double(value) - (log(exp(1.0) + exp(2.0)) - 2.0)) < 1e-6)
    }

    @Test(arguments: [
        // (tensors, code, pointer)
        ([SafetensorsWriter.Entry(name: "input", shape: [2], float32: [1, 2])], "MALFORMED_REQUEST", "/target"),
        ([.init(name: "input", shape: [2], float32: [1, 2]), .init(name: "target", shape: [2], float32: [1, 2]),
          .init(name: "bias", shape: [1], float32: [0])], "MALFORMED_REQUEST", "/bias"),
        ([.init(name: "input", dtype: .i8, shape: [1], bytes: [1]), .init(name: "target", shape: [1], float32: [1])],
         "INVALID_TENSOR", "/input"),
        ([.init(name: "input", shape: [2, 3], float32: [0, 0, 0, 0, 0, 0]), .init(name: "target", shape: [2], int64: [1, 3])],
         "TARGET_OUT_OF_RANGE", "/target/1"),
    ] as [([SafetensorsWriter.Entry], String, String)])
    func badSafetensorsJob_PointsAtTheTensor(entries: [SafetensorsWriter.Entry], code: String, pointer: String) throws {
        let loss = entries.contains { $0.dtype == .i64 } ? "cross_entropy" : "mse_loss"
        let problem = try ProblemBody(post("/v1/loss/" + loss, entries))
        #expect(problem.code == code, "\(problem.detail)")
        #expect(problem.pointers == [pointer], "\(problem.detail)")
    }

    @Test func truncatedFile_IsMalformedRequest() throws {
        var bytes = body([.init(name: "input", shape: [2], float32: [1, 2]), .init(name: "target", shape: [2], float32: [1, 2])])
        bytes.removeLast(3)
        let response = client.send("POST", "/v1/loss/mse_loss", body: bytes, headers: [("Content-Type", "application/octet-stream")])
        #expect(try ProblemBody(response).code == "MALFORMED_REQUEST")
    }
}
