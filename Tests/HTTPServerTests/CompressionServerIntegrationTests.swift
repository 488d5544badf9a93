import Foundation
import HTTPServer
import Testing

/// Compression end to end over loopback: curl as the client, the real server and its handler.
@Suite("gzip and deflate through the server, with curl")
struct CompressionServerIntegrationTests {
    /// Header fields of a `curl --dump-header` block, names lowercased.
    static func headers(_ dump: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in dump.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    static func curl(_ port: Int, _ arguments: [String], input: [UInt8]? = nil) throws -> (
        headers: [String: String], body: [UInt8]
    ) {
        let run = try ToolRun.run(
            ["curl", "--silent", "--show-error", "--dump-header", "/dev/stderr"]
                + arguments.map {
                    $0.replacingOccurrences(of: "BASE", with: "http://127.0.0.1:\(port)")
                },
            input: input
        )
        guard run.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: run.errorOutput])
        }
        return (headers(run.errorOutput), run.output)
    }

    @Test("curl --compressed gets gzip with Vary and a Content-Length of the compressed size")
    func curlCompressed() throws {
        try withTestServer { port in
            let decoded = try Self.curl(port, ["--compressed", "BASE/big"])
            #expect(decoded.body == compressibleBody)
            #expect(decoded.headers["content-encoding"] == "gzip")
            #expect(decoded.headers["vary"]?.lowercased().contains("accept-encoding") == true)

            let raw = try Self.curl(port, ["--header", "Accept-Encoding: gzip", "BASE/big"])
            #expect(raw.headers["content-length"] == "\(raw.body.count)")
            #expect(raw.body.count < compressibleBody.count / 2)
            #expect(try Inflater.decompress(raw.body, format: .gzip, limit: compressibleBody.count) == compressibleBody)
        }
    }

    @Test("deflate means zlib on the wire")
    func deflateResponse() throws {
        try withTestServer { port in
            let raw = try Self.curl(port, ["--header", "Accept-Encoding: deflate", "BASE/big"])
            #expect(raw.headers["content-encoding"] == "deflate")
            #expect(try Inflater.decompress(raw.body, format: .zlib, limit: compressibleBody.count) == compressibleBody)
        }
    }

    @Test("small bodies, gzip;q=0 and no Accept-Encoding stay identity")
    func identityCases() throws {
        try withTestServer { port in
            let small = try Self.curl(port, ["--header", "Accept-Encoding: gzip", "BASE/small"])
            #expect(small.headers["content-encoding"] == nil)
            #expect(small.body == Array("ok".utf8))

            let refused = try Self.curl(port, ["--header", "Accept-Encoding: gzip;q=0", "BASE/big"])
            #expect(refused.headers["content-encoding"] == nil)
            #expect(refused.body == compressibleBody)

            let none = try Self.curl(port, ["BASE/big"])
            #expect(none.headers["content-encoding"] == nil)
            #expect(none.body == compressibleBody)
        }
    }

    @Test("a gzip or deflate request body reaches the handler inflated")
    func compressedRequestBodies() throws {
        try withTestServer { port in
            for (coding, format) in [("gzip", CompressionFormat.gzip), ("deflate", .zlib)] {
                let echoed = try Self.curl(
                    port,
                    ["--header", "Content-Encoding: \(coding)", "--data-binary", "@-", "BASE/echo"],
                    input: Deflater.compress(compressibleBody, format: format)
                )
                #expect(echoed.body == compressibleBody, "\(coding)")
            }
            // An empty body declared as gzip has nothing to inflate.
            let empty = try Self.curl(
                port,
                ["--header", "Content-Encoding: gzip", "--data-binary", "", "--write-out", "%{http_code}", "BASE/echo"]
            )
            #expect(empty.body == Array("200".utf8))
        }
    }

    @Test("a zip bomb gets 413, corrupt gzip 400, an unknown coding 415 with Accept-Encoding")
    func badRequestBodies() throws {
        try withTestServer(maxDecompressedBodyBytes: 1 << 20) { port in
            let bomb = Deflater.compress([UInt8](repeating: 0, count: 64 << 20), format: .gzip, level: 9)
            let bombed = try Self.curl(
                port,
                [
                    "--header", "Content-Encoding: gzip", "--data-binary", "@-", "--write-out", "%{http_code}",
                    "BASE/echo",
                ],
                input: bomb
            )
            #expect(bombed.body.suffix(3) == Array("413".utf8))

            var corrupt = Deflater.compress(compressibleBody, format: .gzip)
            corrupt[corrupt.count / 2] ^= 0xFF
            let corrupted = try Self.curl(
                port,
                [
                    "--header", "Content-Encoding: gzip", "--data-binary", "@-", "--write-out", "%{http_code}",
                    "BASE/echo",
                ],
                input: corrupt
            )
            #expect(corrupted.body.suffix(3) == Array("400".utf8))

            let unknown = try Self.curl(
                port,
                [
                    "--header", "Content-Encoding: br", "--data-binary", "xyz", "--write-out", "%{http_code}",
                    "BASE/echo",
                ]
            )
            #expect(unknown.body.suffix(3) == Array("415".utf8))
            #expect(unknown.headers["accept-encoding"]?.contains("gzip") == true)
        }
    }
}
