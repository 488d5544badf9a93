import Foundation
@testable import LossAPI
import Logging
import Testing

/// The JSON log line format: fixed leading fields, RFC 3339 time, typed metadata, escaping.
@Suite struct OpsJSONLogHandlerTests {
    private func line(
        _ message: Logger.Message, level: Logger.Level = .info, metadata: Logger.Metadata? = nil,
        handlerMetadata: Logger.Metadata = [:], seconds: Int = 1_795_000_000, milliseconds: Int = 7
    ) -> String {
        var handler = JSONLogHandler(label: "lossd.access", logLevel: .trace)
        handler.metadata = handlerMetadata
        let event = LogEvent(
            level: level, message: message, metadata: metadata, source: nil, file: #fileID, function: #function,
            line: #line)
        let bytes = handler.line(for: event, at: .init(seconds: seconds, milliseconds: milliseconds))
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func line_StartsWithTimestampLevelLoggerMessage_AndEndsWithOneNewline() {
        let text = line("request")
        #expect(text == #"{"timestamp":"2026-11-18T11:06:40.007Z","level":"info","logger":"lossd.access","message":"request"}"# + "\n")
    }

    @Test func metadata_IsSortedAndTyped() throws {
        let text = line("request", metadata: [
            "status": .stringConvertible(200), "duration_s": .stringConvertible(0.25),
            "tls": .stringConvertible(true), "route": "/v1/loss/{name}",
            "warnings": .array(["A", "B"]), "nested": .dictionary(["b": "2", "a": .stringConvertible(1)]),
            "nan": .stringConvertible(Double.nan),
        ])
        #expect(text.hasSuffix(
            #","duration_s":0.25,"nan":"nan","nested":{"a":1,"b":"2"},"route":"/v1/loss/{name}","status":200,"tls":true,"warnings":["A","B"]}"# + "\n"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["status"] as? Int == 200)
    }

    @Test func eventMetadata_OverridesHandlerMetadata() {
        let text = line("x", metadata: ["k": "event"], handlerMetadata: ["k": "handler", "h": "kept"])
        #expect(text.contains(#""h":"kept","k":"event""#))
    }

    @Test func controlCharactersAndQuotes_AreEscaped() throws {
        let text = line("a \"quoted\"\nline\u{1}\\", metadata: ["target": "/x?y=\"\t"])
        #expect(text.contains(#""message":"a \"quoted\"\nline\u0001\\""#))
        #expect(text.contains(#""target":"/x?y=\"\t""#))
        #expect(text.filter { $0 == "\n" }.count == 1)
        _ = try JSONSerialization.jsonObject(with: Data(text.utf8))
    }
}
