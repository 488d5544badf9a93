import Dispatch
import Foundation
import HTTPServer

/// A finished command-line tool run: exit status, standard output and standard error.
struct ToolRun {
    let status: Int32
    let output: [UInt8]
    let errorOutput: String

    var outputText: String { String(decoding: output, as: UTF8.self) }

    /// Runs `arguments[0]` (looked up on `PATH`) with the rest as arguments, feeding `input` to
    /// its standard input, and waits for it. Input is written and both output pipes are drained
    /// concurrently, so that no pipe can fill up and block the tool or the test.
    static func run(_ arguments: [String], input: [UInt8]? = nil) throws -> ToolRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        let errorData = ErrorCollector()
        let group = DispatchGroup()
        if let input {
            let writer = inputPipe.fileHandleForWriting
            DispatchQueue.global().async(group: group) {
                writer.write(Data(input))
                try? writer.close()
            }
        }
        DispatchQueue.global().async(group: group) {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus,
            output: Array(outputData),
            errorOutput: String(decoding: errorData.get(), as: UTF8.self)
        )
    }

    /// Runs a tool and returns its standard output, throwing if it exits non-zero.
    static func output(_ arguments: [String], input: [UInt8]? = nil) throws -> [UInt8] {
        let run = try run(arguments, input: input)
        guard run.status == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [NSLocalizedDescriptionKey: "\(arguments) exited \(run.status): \(run.errorOutput)"]
            )
        }
        return run.output
    }
}

/// Standard error collected on another thread. `@unchecked Sendable`: `lock` guards `data`.
private final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// Starts a server on an ephemeral loopback port, runs `body` with its port, then shuts it down.
func withTestServer(
    tls: Server.TLS? = nil,
    compression: Server.Compression = Server.Compression(),
    maxDecompressedBodyBytes: Int? = nil,
    _ body: (Int) throws -> Void
) throws {
    var configuration = Server.Configuration(host: "127.0.0.1", port: 0)
    configuration.tls = tls
    configuration.compression = compression
    if let maxDecompressedBodyBytes { configuration.maxDecompressedBodyBytes = maxDecompressedBodyBytes }
    let server = Server(configuration: configuration, handler: testRoutes)
    try server.start()
    defer { server.shutdown(deadline: .seconds(2)) }
    try body(server.localPort)
}

/// A float JSON body well above the default compression threshold.
let compressibleBody = Array(
    ("[" + (0..<12_000).map { "\(Float($0) * 0.000_173 - 1.0)" }.joined(separator: ",") + "]").utf8
)

/// The handler behind `withTestServer`:
/// - `GET /big` → `compressibleBody` as JSON;
/// - `GET /small` → `ok`;
/// - `POST /echo` → the request body as the handler received it (after inflation).
@Sendable func testRoutes(_ request: Request) -> Response {
    switch (request.method, request.path) {
    case ("GET", "/big"), ("HEAD", "/big"):
        return Response(status: 200, headers: ["Content-Type": "application/json"], body: compressibleBody)
    case ("GET", "/small"):
        return Response(status: 200, contentType: "text/plain", body: "ok")
    case ("POST", "/echo"):
        return Response(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
    default:
        return Response(status: 404, contentType: "text/plain", body: "not found")
    }
}
