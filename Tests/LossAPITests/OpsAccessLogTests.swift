import HTTPServer
@testable import LossAPI
import Logging
import Synchronization
import Testing

/// Access-log lines: fields from the request, the response and the service's record; one line
/// per request whichever side (service or server) wrote the answer.
@Suite struct OpsAccessLogTests {
    /// A log handler that keeps every event.
    private struct Capture: LogHandler {
        final class Box: Sendable {
            let events = Mutex<[LogEvent]>([])
        }
        let box: Box
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { box.events.withLock { $0.append(event) } }
    }

    private func logger(level: Logger.Level = .info) -> (Logger, Capture.Box) {
        let box = Capture.Box()
        return (Logger(label: "lossd.access") { _ in Capture(box: box, logLevel: level) }, box)
    }

    private let routeOf: @Sendable (Request) -> String = { _ in "/v1/loss/{name}" }

    private func number(_ value: Logger.Metadata.Value?) -> String? {
        if case .stringConvertible(let convertible)? = value { return convertible.description }
        return nil
    }

    @Test func serviceAnswer_IsLoggedWithRecordFields() throws {
        let (logger, box) = logger()
        let handler = AccessLog(logger: logger, routeOf: routeOf).wrap { request in
            var record = ExchangeRecord(route: "/v1/loss/{name}", requestID: "r-1")
            record.parse = .milliseconds(2)
            record.compute = .milliseconds(5)
            record.losses = ["cross_entropy", "cross_entropy"]
            record.warningCodes = ["ALL_TARGETS_IGNORED", "ALL_TARGETS_IGNORED", "NONFINITE_INPUT"]
            return (Response(status: 200, body: Array(repeating: 0, count: 42)), record)
        }
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "tests")
        let response = handler(Request(
            method: "POST", target: "/v1/loss/cross_entropy", headers: headers, body: [1, 2, 3],
            remoteAddress: "127.0.0.1:5000"))
        #expect(response.status == 200)
        let events = box.events.withLock { $0 }
        try #require(events.count == 1)
        let fields = try #require(events[0].metadata)
        #expect(events[0].message == "request" && events[0].level == .info)
        #expect(fields["request_id"] == "r-1")
        #expect(fields["route"] == "/v1/loss/{name}")
        #expect(fields["method"] == "POST")
        #expect(fields["target"] == "/v1/loss/cross_entropy")
        #expect(fields["user_agent"] == "tests")
        #expect(fields["remote_addr"] == "127.0.0.1:5000")
        #expect(number(fields["status"]) == "200")
        #expect(number(fields["bytes_in"]) == "3")
        #expect(number(fields["bytes_out"]) == "42")
        #expect(number(fields["parse_ms"]) == "2.0")
        #expect(number(fields["compute_ms"]) == "5.0")
        #expect(fields["losses"] == .array(["cross_entropy"]))
        #expect(fields["warnings"] == .array(["ALL_TARGETS_IGNORED", "NONFINITE_INPUT"]))
        #expect(fields["code"] == nil)
    }

    @Test func nonStandardMethods_AreLoggedAsOther() throws {
        let (logger, box) = logger()
        let handler = AccessLog(logger: logger, routeOf: routeOf).wrap { _ in
            (Response(status: 405), ExchangeRecord(route: "unmatched", requestID: "r"))
        }
        _ = handler(Request(method: "BREW", target: "/"))
        #expect(box.events.withLock { $0.first?.metadata?["method"] } == "_OTHER")
    }

    @Test func serverWrittenAnswer_IsLoggedByTheHook_AndHandlerAnswersAreNot() throws {
        let (logger, box) = logger()
        let log = AccessLog(logger: logger, routeOf: routeOf)
        let shed = ResponseEvent(
            request: Request(method: "POST", target: "/v1/loss/mse_loss"), status: 503, bytesIn: 120, bytesOut: 300,
            uncompressedBodyBytes: 200, bodyBytesOut: 200, contentEncoding: nil, handlerDuration: nil,
            totalDuration: .milliseconds(1), remoteAddress: "127.0.0.1:1")
        let handled = ResponseEvent(
            request: Request(method: "GET", target: "/healthz"), status: 200, bytesIn: 40, bytesOut: 100,
            uncompressedBodyBytes: 15, bodyBytesOut: 15, contentEncoding: nil, handlerDuration: .microseconds(20),
            totalDuration: .milliseconds(1), remoteAddress: "127.0.0.1:1")
        let framing = ResponseEvent(
            request: nil, status: 431, bytesIn: 70000, bytesOut: 200, uncompressedBodyBytes: 100, bodyBytesOut: 100,
            contentEncoding: nil, handlerDuration: nil, totalDuration: .milliseconds(1), remoteAddress: "127.0.0.1:2",
            responseHeaders: ["X-Request-Id": "0123456789abcdef"])
        log.recordServerResponse(shed)
        log.recordServerResponse(handled)
        log.recordServerResponse(framing)
        let fields = box.events.withLock { $0.compactMap(\.metadata) }
        #expect(fields.count == 2)
        #expect(number(fields[0]["status"]) == "503" && fields[0]["route"] == "/v1/loss/{name}")
        #expect(fields[0]["source"] == "server" && number(fields[0]["bytes_in"]) == "120")
        #expect(number(fields[1]["status"]) == "431" && fields[1]["route"] == "unmatched")
        // The id the answer carried (generated: the request was never read whole), and the code.
        #expect(fields[1]["request_id"] == "0123456789abcdef" && fields[1]["code"] == "HEADERS_TOO_LARGE")
        #expect(fields[0]["code"] == "OVERLOADED")
    }

    @Test func levelAboveInfo_WritesNoAccessLine() {
        let (logger, box) = logger(level: .warning)
        let handler = AccessLog(logger: logger, routeOf: routeOf).wrap { _ in
            (Response(status: 200), ExchangeRecord(route: "/healthz", requestID: "r"))
        }
        #expect(handler(Request(method: "GET", target: "/healthz")).status == 200)
        #expect(box.events.withLock { $0.isEmpty })
    }

    @Test(arguments: [
        ("GET", "GET"), ("POST", "POST"), ("HEAD", "HEAD"), ("get", "_OTHER"), ("BREW", "_OTHER"), ("", "_OTHER"),
    ])
    func methodLabel_KeepsStandardMethodsOnly(method: String, label: String) {
        #expect(HTTPMetrics.methodLabel(method) == label)
    }
}
