import Foundation
import HTTPServer
import LossKernels
import Testing

@testable import LossAPI

/// openapi.yaml, README.md and docs/API.md against what the server reads: the checked-in spec
/// is the generator's output, the tables between their markers (losses, options) are the
/// generator's, and the hand-written warning and problem tables list exactly the codes.
struct ContractDocumentsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The text between `<!-- generated: NAME -->` and `<!-- end: NAME -->` in `document`.
    static func generatedBlock(_ name: String, in document: String) -> String? {
        guard let start = document.range(of: "<!-- generated: \(name) -->\n"),
            let end = document.range(of: "<!-- end: \(name) -->", range: start.upperBound..<document.endIndex)
        else { return nil }
        return String(document[start.upperBound..<end.lowerBound])
    }

    @Test func checkedInOpenAPI_IsTheGeneratorsOutput() throws {
        #expect(try Self.text("openapi.yaml") == OpenAPISpec.yaml, "run scripts/generate-contract.sh")
    }

    @Test(arguments: [("README.md", "losses"), ("docs/API.md", "losses"), ("docs/API.md", "options")])
    func generatedTables_AreTheGeneratorsTables(document: String, table: String) throws {
        let block = try #require(Self.generatedBlock(table, in: try Self.text(document)), "\(document) has no \(table) block")
        #expect(block == ContractTables.table(table), "run scripts/generate-contract.sh")
    }

    /// The first cells of the rows of the Markdown table under `heading` in docs/API.md.
    static func tableRows(under heading: String) throws -> [[String]] {
        let document = try text("docs/API.md")
        let start = try #require(document.range(of: heading + "\n"), "docs/API.md has no \(heading)")
        var rows: [[String]] = []
        for line in document[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).drop(while: { !$0.hasPrefix("|") }) {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            rows.append(cells)
        }
        return Array(rows.dropFirst(2))  // header and rule
    }

    @Test func warningTable_ListsEveryWarningCodeInOrder() throws {
        let codes = try Self.tableRows(under: "### Warning codes").map { $0[0].trimmingCharacters(in: ["`"]) }
        #expect(codes == WarningCode.all.map(\.code))
    }

    @Test func errorTable_ListsEveryProblemCodeWithItsStatus() throws {
        let rows = try Self.tableRows(under: "### Problem codes")
        #expect(rows.map { $0[0].trimmingCharacters(in: ["`"]) } == ProblemCode.all.map(\.rawValue))
        #expect(rows.map { $0[1] } == ProblemCode.all.map { String($0.status) })
    }

    @Test func everyLossHasAnOperationAJobSchemaAndAnInferOperation() {
        for loss in Loss.catalogue {
            #expect(OpenAPISpec.yaml.contains("\n  /v1/loss/\(loss.name.rawValue):\n"))
            #expect(OpenAPISpec.yaml.contains("\n  /v2/models/\(loss.name.rawValue)/infer:\n"))
            #expect(OpenAPISpec.yaml.contains("\n    Job_\(loss.name.rawValue):\n"))
        }
    }

    @Test func oipInfer_HonoursAccept_LikeTheV1Routes() throws {
        let client = APIClient()
        let body = #"{"inputs": [{"name": "input", "shape": [1], "datatype": "FP32", "data": [0.5]}, "#
            + #"{"name": "target", "shape": [1], "datatype": "FP32", "data": [1.0]}]}"#
        let html = client.post("/v2/models/mse_loss/infer", json: body, headers: [("Accept", "text/html")])
        #expect(html.status == 406)
        #expect(String(decoding: html.body, as: UTF8.self).contains("NOT_ACCEPTABLE"))
        #expect(client.post("/v2/models/mse_loss/infer", json: body, headers: [("Accept", "application/json")]).status == 200)
        #expect(client.post("/v2/models/mse_loss/infer", json: body, headers: [("Accept", "*/*")]).status == 200)
        #expect(client.post("/v2/models/mse_loss/infer", json: body).status == 200)
    }
}
