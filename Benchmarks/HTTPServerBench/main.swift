// A tiny server for benchmarks and load tests: GET /healthz answers a short text, POST /echo
// answers the request body. Usage: HTTPServerBench [port] [host]  (prints the bound port).
import Dispatch
import Glibc
import HTTPServer

let arguments = CommandLine.arguments
var configuration = Server.Configuration(
    host: arguments.count > 2 ? arguments[2] : "127.0.0.1",
    port: arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
)
configuration.maxConnections = 4096
configuration.maxInFlightRequests = 1024
let server = Server(configuration: configuration) { request in
    switch (request.method, request.path) {
    case ("GET", "/healthz"):
        Response(status: 200, contentType: "text/plain", body: "ok\n")
    case ("POST", "/echo"):
        Response(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
    default:
        Response(status: 404, contentType: "text/plain", body: "not found\n")
    }
}
do {
    try server.start()
} catch {
    print("HTTPServerBench: \(error)")
    exit(1)
}
// A plain write(2) so the line is out before any buffering decision (scripts wait for it).
let banner = Array("listening on \(configuration.host):\(server.localPort)\n".utf8)
_ = banner.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
signal(SIGTERM, SIG_IGN)
let terminate = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .main)
terminate.setEventHandler {
    server.shutdown(deadline: .seconds(5))
    exit(0)
}
terminate.activate()
dispatchMain()

