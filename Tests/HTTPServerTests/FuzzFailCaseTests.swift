import Foundation
import Testing

@testable import HTTPServer

/// Every crasher the fuzz target found (FuzzTesting/FailCases/FuzzHTTPParser) replayed under the
/// target's own invariant: parsing the input whole and in the target's reads gives one outcome.
@Suite struct FuzzFailCaseTests {
    /// The limits FuzzTesting/Sources/FuzzHTTPParser/main.swift uses.
    static let fuzzLimits = HTTPRequestParser.Limits(
        maxRequestLineBytes: 200, maxHeaderBytes: 400, maxHeaderCount: 12, maxBodyBytes: 300, maxChunkLineBytes: 40
    )

    static var failCases: [URL] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../FuzzTesting/FailCases/FuzzHTTPParser").standardized
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test func failCasesExist() {
        #expect(!Self.failCases.isEmpty, "the fuzz regression corpus is missing")
    }

    @Test(arguments: failCases)
    func fuzzCrasher_ParsesAlikeWholeAndSplit(_ file: URL) throws {
        let data = try [UInt8](Data(contentsOf: file))
        try #require(!data.isEmpty)
        let chunk = Int(data[0] % 16) + 1
        let bytes = Array(data.dropFirst())
        let whole = parseStream(bytes, split: .whole, limits: Self.fuzzLimits)
        let split = parseStream(bytes, split: .fixed(chunk), limits: Self.fuzzLimits)
        #expect(whole.requests == split.requests)
        #expect(whole.error == split.error)
    }
}
