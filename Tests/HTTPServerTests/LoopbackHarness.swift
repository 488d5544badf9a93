import Foundation
import Glibc
import HTTPServer
import Testing

/// Configuration with short timeouts so that timeout tests run in well under a second.
func testConfiguration() -> Server.Configuration {
    var configuration = Server.Configuration(host: "127.0.0.1", port: 0)
    configuration.headerTimeout = .milliseconds(300)
    configuration.bodyTimeout = .milliseconds(300)
    configuration.idleTimeout = .seconds(2)
    configuration.writeTimeout = .seconds(2)
    configuration.lingerTimeout = .milliseconds(200)
    return configuration
}

/// The handler most tests use: `/echo` returns the body, `/info` describes the request.
let echoHandler: Handler = { request in
    switch request.path {
    case "/echo":
        return Response(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
    case "/big":
        return Response(status: 200, contentType: "text/plain", body: String(repeating: "lossd ", count: 2000))
    default:
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let text = "\(request.method) \(request.path) \(query) \(request.version) body=\(request.body.count)"
        return Response(status: 200, contentType: "text/plain", body: text)
    }
}

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts it down.
@discardableResult
func withServer<R>(
    _ configuration: Server.Configuration = testConfiguration(),
    handler: @escaping Handler = echoHandler,
    _ body: (Server) throws -> R
) throws -> R {
    let server = Server(configuration: configuration, handler: handler)
    try server.start()
    defer { server.shutdown(deadline: .seconds(2)) }
    return try body(server)
}

/// Polls `condition` for up to two seconds (the server closes connections asynchronously).
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<200 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A parsed HTTP response as a test client sees it.
struct ClientResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// A blocking TCP client with a receive timeout, for raw-byte tests.
final class RawClient {
    let fd: CInt
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(5)) throws {
        let isV6 = host.contains(":")
        fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let result: CInt
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard result == 0 else {
            close(fd)
            throw ClientError(description: "connect failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += written
        }
    }

    func send(_ text: String) throws {
        try send(crlf(text))
    }

    /// Reads more bytes; `false` on EOF, throws on timeout or error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        if count < 0 {
            if errno == ECONNRESET { return false }
            throw ClientError(description: "recv failed: errno \(errno)")
        }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    /// Reads one response; `forHead` means no body follows whatever Content-Length says.
    func readResponse(forHead: Bool = false) throws -> ClientResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let range = buffer.firstRange(of: separator) {
                headEnd = range.upperBound
            } else if try !fill() {
                throw ClientError(description: "connection closed before a response head (\(buffer.count) bytes)")
            }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd!)
        var lines = head.split(separator: "\r\n").map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError(description: "bad status line") }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = ClientResponse(status: status, headers: headers, body: [])
        if status == 100 { return response }
        let length = forHead ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
        while buffer.count < length {
            if try !fill() { throw ClientError(description: "connection closed mid-body") }
        }
        response.body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return response
    }

    /// `true` when the server closed the connection (EOF or reset) with no further bytes.
    func isClosedByPeer() throws -> Bool {
        while true {
            if try !fill() { return buffer.isEmpty }
        }
    }

    /// Half-closes the sending side.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }
}

/// Runs curl with `arguments`; returns its exit status, standard output and standard error.
func curl(_ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--silent", "--show-error", "--max-time", "10"] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, data, String(decoding: errorData, as: UTF8.self))
}

/// Runs `body` against a server with `maxInFlightRequests` 1 whose only slot is held by a
/// `/block` request; once `body` returns, the blocked request is released and must answer 200,
/// then `afterRelease` runs with what `body` returned, the server still up.
func withInFlightSlotTaken<R>(
    _ configuration: Server.Configuration, _ body: (Server) throws -> R,
    afterRelease: (R) throws -> Void = { _ in },
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let blocking = BlockingHandler()
    var configuration = configuration
    configuration.maxInFlightRequests = 1
    try withServer(configuration, handler: blocking.handler) { server in
        let busy = try RawClient(port: server.localPort)
        try busy.send("GET /block HTTP/1.1\nHost: t\n\n")
        blocking.waitUntilBlocked()
        let result = Result { try body(server) }
        blocking.release()
        #expect(try busy.readResponse().status == 200, sourceLocation: sourceLocation)
        try afterRelease(result.get())
    }
}

/// `echoHandler`, except that each `/block` request waits in the handler until `release()`:
/// it holds its connection busy and an in-flight slot taken.
final class BlockingHandler: Sendable {
    private let gate = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)

    /// The handler to serve.
    var handler: Handler {
        { [self] request in
            if request.path == "/block" {
                started.signal()
                gate.wait()
            }
            return echoHandler(request)
        }
    }

    /// Returns once a `/block` request has entered the handler.
    func waitUntilBlocked() {
        started.wait()
    }

    /// Lets `count` blocked requests finish.
    func release(_ count: Int = 1) {
        for _ in 0..<count { gate.signal() }
    }
}
