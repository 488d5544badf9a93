import HTTPServer
import LossAPI
import TensorCodecs
import Testing

/// Open Inference Protocol requests that lossd must refuse, with the pointer into the JSON
/// header, called without sockets.
@Suite struct InferRequestTests {
    let client = APIClient()

    private func infer(_ json: String, binary: [UInt8] = [], headerLength: String? = nil) -> Response {
        var headers: [(String, String)] = []
        if !binary.isEmpty || headerLength != nil {
            headers.append(("Inference-Header-Content-Length", headerLength ?? String(json.utf8.count)))
        }
        return client.send("POST", "/v2/models/mse_loss/infer", body: Array(json.utf8) + binary, headers: headers)
    }

    private let target = #"{"name": "target", "shape": [2], "datatype": "FP32", "data": [1, 2]}"#

    @Test func jsonInfer_WithFlatData_Answers() throws {
        let response = infer(#"{"inputs": [{"name": "input", "shape": [2], "datatype": "FP32", "data": [3, 2]}, "# + target + "]}")
        #expect(response.status == 200)
        let object = try response.jsonObject()
        #expect(object["model_name"]?.stringValue == "mse_loss")
    }

    @Test func binaryInput_IsReadAfterTheHeader_AndBinaryOutputsFollowTheirHeader() throws {
        let header = #"{"inputs": [{"name": "input", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}, "#
            + target + #"], "parameters": {"binary_data_output": true}}"#
        let floats: [UInt8] = [0, 0, 0x40, 0x40, 0, 0, 0, 0x40]  // 3.0, 2.0
        let response = infer(header, binary: floats)
        #expect(response.status == 200)
        let length = try #require(response.headers["Inference-Header-Content-Length"].flatMap { Int($0) })
        let object = try #require(try JSONReader.parse(Array(response.body[..<length])).objectValue)
        guard case .array(let outputs)? = object["outputs"] else {
            Issue.record("outputs is not an array")
            return
        }
        #expect(outputs.count == 2)
        #expect(response.body.count == length + 4 + 8)  // value (scalar) and grad (2 floats)
        #expect(Array(response.body[length..<(length + 4)]) == [0, 0, 0, 0x40])  // mean((3-1)², (2-2)²) = 2.0
    }

    @Test(arguments: [
        // (header, binary, header length, code, pointer)
        (#"{"inputs": [{"name": "logits", "shape": [1], "datatype": "FP32", "data": [1]}]}"#, [], nil, "MALFORMED_REQUEST", "/inputs/0/name"),
        (#"{"inputs": [{"name": "input", "shape": [2], "datatype": "FP8", "data": [1, 2]}]}"#, [], nil, "INVALID_TENSOR", "/inputs/0/datatype"),
        (#"{"inputs": [{"name": "input", "shape": [3], "datatype": "FP32", "data": [1, 2]}]}"#, [], nil, "INVALID_TENSOR", "/inputs/0/data"),
        (#"{"inputs": [{"name": "input", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 4}}]}"#,
         [0, 0, 0, 0], nil, "INVALID_TENSOR", "/inputs/0/parameters/binary_data_size"),
        (#"{"inputs": [{"name": "input", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]}"#,
         [0, 0, 0, 0], nil, "MALFORMED_REQUEST", "/inputs/0/parameters/binary_data_size"),
        (#"{"inputs": [{"name": "input", "shape": [0, 1099511627776, 2], "datatype": "FP32", "data": []}]}"#, [], nil,
         "INVALID_TENSOR", "/inputs/0/shape"),
        (#"{"inputs": [{"name": "input", "shape": [0, 4294967296, 4294967296], "datatype": "FP32", "parameters": {"binary_data_size": 0}}]}"#,
         [], nil, "INVALID_TENSOR", "/inputs/0/shape"),
        (#"{"inputs": [], "parameters": {"delta": 2}}"#, [], nil, "INVALID_OPTION", "/parameters/delta"),
        (#"{"inputs": [], "outputs": [{"name": "loss"}]}"#, [], nil, "MALFORMED_REQUEST", "/outputs/0/name"),
        (#"{"inputs": []}"#, [], "1000", "MALFORMED_REQUEST", nil),
    ] as [(String, [UInt8], String?, String, String?)])
    func badInference_IsAProblemWithItsPointer(header: String, binary: [UInt8], length: String?, code: String, pointer: String?) throws {
        let problem = try ProblemBody(infer(header, binary: binary, headerLength: length))
        #expect(problem.code == code, "\(problem.detail)")
        #expect(problem.pointers == (pointer.map { [$0] } ?? []), "\(problem.detail)")
    }
}
