import Foundation
import HTTPServer
@testable import LossAPI
import LossKernels
import TensorCodecs
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
        // Issue 18: an empty tensor holds no bytes, so the file's size does not bound its other sizes.
        ([.init(name: "input", shape: [0, 1, 1 << 32, 1 << 32], float32: []), .init(name: "target", shape: [0], int64: [])],
         "INVALID_TENSOR", "/input"),
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

    // MARK: Gradient written in place

    /// Gradients over ``SafetensorsResult/minimumInPlaceGradientBytes``: a cross-entropy job
    /// with an ignored -inf row (so the pytorch section compares gradients) and mse_loss with
    /// reduction none (a value per element after the gradient).
    private func inPlaceCases() throws -> [(target: String, entries: [SafetensorsWriter.Entry], decoded: DecodedJob)] {
        var logits = (0..<(256 * 1100)).map { Float($0 % 7) * 0.25 - 0.5 }
        for i in 0..<1100 { logits[i] = -.infinity }
        let targets = (0..<256).map { $0 == 0 ? Int64(-100) : Int64($0 * 37 % 1100) }
        let x = (0..<(512 * 520)).map { Float($0 % 11) * 0.5 }
        let y = (0..<(512 * 520)).map { Float($0 % 5) }
        let cases: [(String, LossName, [(name: String, value: String)], [SafetensorsWriter.Entry])] = [
            ("/v1/loss/cross_entropy", .crossEntropy, [], [
                .init(name: "input", shape: [256, 1100], float32: logits), .init(name: "target", shape: [256], int64: targets),
            ]),
            ("/v1/loss/mse_loss?reduction=none", .mseLoss, [("reduction", "none")], [
                .init(name: "input", shape: [512, 520], float32: x), .init(name: "target", shape: [512, 520], float32: y),
            ]),
        ]
        return try cases.map { target, loss, query, entries in
            (target, entries, try SafetensorsJobDecoder.decode(body(entries), loss: loss, query: query))
        }
    }

    /// The answer the ordinary path gives: the gradient in the result, then one copy into the file.
    private func copiedAnswer(_ decoded: DecodedJob) throws -> SafetensorsFile {
        var record = ExchangeRecord(route: "/v1/loss/{name}", requestID: "t")
        return try SafetensorsReader.read(SafetensorsResult.encode(JobRunner.run(decoded, record: &record), of: decoded))
    }

    @Test func smallGradient_IsAnsweredWithoutHeaderRoom() throws {
        let response = post("/v1/loss/mse_loss", [
            .init(name: "input", shape: [2], float32: [3, 1]), .init(name: "target", shape: [2], float32: [1, 1]),
        ])
        #expect(response.body.count < 1024)
        // The threshold: a 32x1000 job (128 KB) is written in place, 64 KiB less 4 bytes is not.
        for (count, inPlace) in [(32 * 1000, true), (16 * 1024, true), (16 * 1024 - 1, false)] {
            let decoded = try SafetensorsJobDecoder.decode(body([
                .init(name: "input", shape: [count], float32: [Float](repeating: 0.5, count: count)),
                .init(name: "target", shape: [], int64: [0]),
            ]), loss: .crossEntropy, query: [])
            #expect(SafetensorsResult.writesGradientInPlace(decoded) == inPlace, "\(count) floats")
        }
    }

    @Test func largeFloat32Answer_HasTheGradientWrittenInPlace_AndTheOrdinaryAnswersContent() throws {
        for (target, entries, decoded) in try inPlaceCases() {
            #expect(SafetensorsResult.writesGradientInPlace(decoded))
            let response = post(target, entries)
            #expect(response.status == 200)
            // The header fills the room kept ahead of the gradient (padded with spaces).
            let headerLength = response.body[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            #expect(headerLength == SafetensorsResult.headerRoom)
            let (file, expected) = (try SafetensorsReader.read(response.body), try copiedAnswer(decoded))
            #expect(file["grad"]?.floatValues() == expected["grad"]?.floatValues(), "\(target)")
            #expect(file["grad"]?.shape == expected["grad"]?.shape, "\(target)")
            #expect(file["value"]?.floatValues() == expected["value"]?.floatValues(), "\(target)")
            #expect(file.metadata("diagnostics") == expected.metadata("diagnostics"), "\(target)")
        }
    }

    @Test func headerLargerThanItsRoom_IsWrittenWithOneCopy_AndTheSameAnswer() throws {
        for (target, _, decoded) in try inPlaceCases() {
            var record = ExchangeRecord(route: "/v1/loss/{name}", requestID: "t")
            let cramped = try SafetensorsReader.read(SafetensorsResult.computeWithGradientInPlace(decoded, record: &record, headerRoom: 8))
            let expected = try copiedAnswer(decoded)
            #expect(cramped["grad"]?.floatValues() == expected["grad"]?.floatValues(), "\(target)")
            #expect(cramped["value"]?.floatValues() == expected["value"]?.floatValues(), "\(target)")
            #expect(cramped.metadata("diagnostics") == expected.metadata("diagnostics"), "\(target)")
        }
    }

    /// A safetensors file whose data section starts `extraHeaderBytes` after the writer's 8-byte
    /// aligned start (the header is padded with that many more spaces).
    private static func file(input: [Float], target: [Int64], extraHeaderBytes: Int) -> [UInt8] {
        let inputBytes = input.count * 4
        var header = #"{"input":{"dtype":"F32","shape":[\#(input.count / 2),2],"data_offsets":[0,\#(inputBytes)]},"#
            + #""target":{"dtype":"I64","shape":[\#(target.count)],"data_offsets":[\#(inputBytes),\#(inputBytes + 8 * target.count)]}}"#
        while (8 + header.utf8.count) % 8 != extraHeaderBytes { header += " " }
        var out = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8)
        out += input.withUnsafeBytes(Array.init) + target.withUnsafeBytes(Array.init)
        return out
    }

    @Test func float32Input_IsReadInPlaceWhenAligned_CopiedOtherwise_WithTheSameAnswer() throws {
        let input: [Float] = [0.5, -1, 2, .nan, 3, 1e-3]
        let target: [Int64] = [1, 0, 1]
        var answers: [[UInt8]] = []
        for (extra, inPlace) in [(0, true), (1, false), (2, false), (4, true)] {
            let body = Self.file(input: input, target: target, extraHeaderBytes: extra)
            let decoded = try SafetensorsJobDecoder.decode(body, loss: .crossEntropy, query: [])
            if case .float32Bytes = decoded.job.input.storage { #expect(inPlace, "offset \(extra)") } else { #expect(!inPlace, "offset \(extra)") }
            #expect(decoded.job.input.float32Values.map { $0.map(\.bitPattern) } == input.map(\.bitPattern))
            let response = client.send("POST", "/v1/loss/cross_entropy", body: body, headers: [("Content-Type", "application/octet-stream")])
            #expect(response.status == 200)
            answers.append(response.body)
        }
        #expect(Set(answers).count == 1)
    }
}
