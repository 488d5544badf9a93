import ArgumentParser
import Foundation
import HTTPServer
import LossAPI
import Logging

/// `lossd serve`: runs the HTTP service until the process is stopped.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the lossd HTTP API (the default command).",
        discussion: """
            Every option can also be set in the environment as LOSSD_<OPTION>, e.g.
            LOSSD_PORT=9000, LOSSD_MAX_BODY_BYTES=1048576, LOSSD_COMPRESSION=false. The command
            line wins over the environment. Durations are in seconds.
            """
    )

    private static let defaults = Server.Configuration()

    @Option(help: "Address to listen on (IPv4 or IPv6 literal; :: for all).")
    var host: String = Serve.defaults.host

    @Option(help: "TCP port (0 picks a free one).")
    var port: Int = Serve.defaults.port

    @Option(help: "listen(2) backlog.")
    var backlog: Int = Serve.defaults.backlog

    @Option(help: "Longest request line in bytes (414 beyond).")
    var maxRequestLineBytes: Int = Serve.defaults.maxRequestLineBytes

    @Option(help: "Longest header section in bytes (431 beyond).")
    var maxHeaderBytes: Int = Serve.defaults.maxHeaderBytes

    @Option(help: "Most header fields per request (431 beyond).")
    var maxHeaderCount: Int = Serve.defaults.maxHeaderCount

    @Option(help: "Largest request body in bytes as sent (413 beyond).")
    var maxBodyBytes: Int = Serve.defaults.maxBodyBytes

    @Option(help: "Largest request body in bytes after gzip/deflate is undone (413 beyond).")
    var maxDecompressedBodyBytes: Int = Serve.defaults.maxDecompressedBodyBytes

    @Option(help: "Seconds a new connection may stay silent before its first byte (closed beyond).")
    var firstByteTimeout: Double = seconds(Serve.defaults.firstByteTimeout)

    @Option(help: "Seconds from a request's first byte to the end of its headers (408 beyond).")
    var headerTimeout: Double = seconds(Serve.defaults.headerTimeout)

    @Option(help: "Seconds from the end of the headers to the end of the body (408 beyond).")
    var bodyTimeout: Double = seconds(Serve.defaults.bodyTimeout)

    @Option(help: "Seconds an idle keep-alive connection is kept open.")
    var idleTimeout: Double = seconds(Serve.defaults.idleTimeout)

    @Option(help: "Seconds a response write may make no progress before the connection is dropped.")
    var writeTimeout: Double = seconds(Serve.defaults.writeTimeout)

    @Option(help: "Seconds to keep reading after deciding to close, so the client sees the answer.")
    var lingerTimeout: Double = seconds(Serve.defaults.lingerTimeout)

    @Option(help: "Most open client connections.")
    var maxConnections: Int = Serve.defaults.maxConnections

    @Option(help: "Connections beyond --max-connections kept for health, readiness and metrics requests while every other slot is busy.")
    var probeReserveConnections: Int = Serve.defaults.probeReserveConnections

    @Option(help: "Most requests in progress at once (503 OVERLOADED beyond).")
    var maxInFlight: Int = Serve.defaults.maxInFlightRequests

    @Option(help: "Most bytes all requests in flight may hold together: bodies, inflated bodies and their working sets (503 OVERLOADED beyond; a request alone is always served; 0: no budget).")
    var memoryBudgetBytes: Int = Serve.defaults.memoryBudgetBytes

    @Option(help: "Retry-After seconds sent with 503 OVERLOADED.")
    var retryAfter: Int = Serve.defaults.retryAfterSeconds

    @Flag(inversion: .prefixedNo, help: "Compress responses when Accept-Encoding allows gzip or deflate.")
    var compression: Bool = Serve.defaults.compression.enabled

    @Option(help: "Smallest response body in bytes that is compressed.")
    var compressionThreshold: Int = Serve.defaults.compression.threshold

    /// Default 1: on a 32x1000 float32 gradient (437 KB of JSON) level 1 sent 188 KB and level 6
    /// 159 KB, but lossd served 128.7 req/s at level 1 against 15.3 at level 6
    /// (scripts/bench-api.sh, LEVELS="1 6"): zlib dominates, and 15 % fewer bytes are not worth 8x.
    @Option(help: "zlib compression level, 1 (fastest) to 9 (smallest).")
    var compressionLevel: Int = 1

    /// Default huffman-only (lossd's `HuffmanOnlyDeflate`): on a 442 KB gradient it sends 192 KB
    /// against zlib level 1's 183 KB, compressing at 456 MB/s against 117 (scripts/bench-zlib.sh);
    /// lossd served 582-629 gzip req/s against 244-315 at level 1 (scripts/bench-api.sh, three
    /// runs). Level 1 only pays back its 2.8 ms more per answer on links slower than about
    /// 3 MB/s. The level does not apply to it.
    @Option(help: "Compression strategy: huffman-only (lossd's byte-wise Huffman coder, fastest), default (zlib's string matching at the level) or run-length (zlib's, at the level).")
    var compressionStrategy: Deflater.Strategy = .huffmanOnly

    @Option(help: "Most jobs in one POST /v1/batch.")
    var maxBatchJobs: Int = LossService.Configuration().maxBatchJobs

    @Option(help: "Deepest JSON nesting accepted in a request body.")
    var maxJsonDepth: Int = LossService.Configuration().maxJSONDepth

    @Option(help: "Most values (numbers above all) a JSON request body may hold, checked while parsing (413 beyond).")
    var maxJsonValues: Int = LossService.Configuration().maxJSONValues

    @Option(help: "MiB of freed request buffers kept in the process for reuse instead of being returned to the kernel (0: glibc's defaults).")
    var bufferCacheMib: Int = 256

    @OptionGroup(title: "Operations (logging, token, TLS, drain)")
    var operations: OperationsOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard (1...9).contains(compressionLevel) else {
            throw ValidationError("--compression-level must be in 1...9, got \(compressionLevel)")
        }
        let positive: [(String, Int)] = [
            ("backlog", backlog), ("max-request-line-bytes", maxRequestLineBytes), ("max-header-bytes", maxHeaderBytes),
            ("max-header-count", maxHeaderCount), ("max-body-bytes", maxBodyBytes),
            ("max-decompressed-body-bytes", maxDecompressedBodyBytes), ("max-connections", maxConnections),
            ("max-in-flight", maxInFlight), ("max-batch-jobs", maxBatchJobs), ("max-json-depth", maxJsonDepth),
            ("max-json-values", maxJsonValues),
        ]
        for (name, value) in positive where value <= 0 {
            throw ValidationError("--\(name) must be positive, got \(value)")
        }
        guard retryAfter >= 0, compressionThreshold >= 0, probeReserveConnections >= 0, memoryBudgetBytes >= 0,
            (0...2047).contains(bufferCacheMib)
        else {
            throw ValidationError(
                "--retry-after, --compression-threshold, --probe-reserve-connections and --memory-budget-bytes must not be negative, --buffer-cache-mib must be in 0...2047")
        }
        for (name, value) in [
            ("first-byte-timeout", firstByteTimeout), ("header-timeout", headerTimeout), ("body-timeout", bodyTimeout), ("idle-timeout", idleTimeout),
            ("write-timeout", writeTimeout), ("linger-timeout", lingerTimeout),
        ] where !(value.isFinite && value > 0) {
            throw ValidationError("--\(name) must be a positive number of seconds, got \(value)")
        }
    }

    /// The server settings these options describe.
    var serverConfiguration: Server.Configuration {
        var configuration = Server.Configuration(host: host, port: port)
        configuration.backlog = backlog
        configuration.maxRequestLineBytes = maxRequestLineBytes
        configuration.maxHeaderBytes = maxHeaderBytes
        configuration.maxHeaderCount = maxHeaderCount
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxDecompressedBodyBytes = maxDecompressedBodyBytes
        configuration.firstByteTimeout = .seconds(firstByteTimeout)
        configuration.headerTimeout = .seconds(headerTimeout)
        configuration.bodyTimeout = .seconds(bodyTimeout)
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.writeTimeout = .seconds(writeTimeout)
        configuration.lingerTimeout = .seconds(lingerTimeout)
        configuration.maxConnections = maxConnections
        configuration.probeReserveConnections = probeReserveConnections
        configuration.maxInFlightRequests = maxInFlight
        configuration.memoryBudgetBytes = memoryBudgetBytes
        configuration.retryAfterSeconds = retryAfter
        configuration.compression = Server.Compression(
            enabled: compression, threshold: compressionThreshold, level: compressionLevel,
            strategy: compressionStrategy)
        return configuration
    }

    /// The API settings these options describe.
    var serviceConfiguration: LossService.Configuration {
        var configuration = LossService.Configuration()
        configuration.maxBatchJobs = maxBatchJobs
        configuration.maxJSONDepth = maxJsonDepth
        configuration.maxJSONValues = maxJsonValues
        return configuration
    }

    func run() throws {
        let operations = Operations.bootstrap(try self.operations.settings())
        if !BufferCache.retain(mebibytes: bufferCacheMib) {
            operations.logger.warning("glibc refused the buffer cache settings; freed buffers go back to the kernel")
        }
        var serviceConfiguration = self.serviceConfiguration
        operations.configure(&serviceConfiguration)
        let service = LossService(configuration: serviceConfiguration)
        var serverConfiguration = self.serverConfiguration
        serverConfiguration.workingSetEstimate = service.workingSetEstimate(for:)
        let handler = operations.handler(for: service, configuration: &serverConfiguration)
        let server = Server(configuration: serverConfiguration, handler: handler)
        do {
            try operations.serveUntilDrained(server, readiness: serviceConfiguration.readiness)
        } catch {
            FileHandle.standardError.write(Data("lossd: cannot start: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `duration` in seconds.
private func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// `--compression-strategy` reads `Deflater.Strategy`'s raw values.
extension Deflater.Strategy: ExpressibleByArgument {}
