import ArgumentParser
import Glibc
import HTTPServer
import Logging

/// The operations flags of `lossd serve`: logging, bearer token, TLS and the SIGTERM drain.
///
/// Like every `serve` option, each has a `LOSSD_*` environment twin (`EnvironmentArguments`);
/// the command line wins.
///
/// | flag | variable | default |
/// |---|---|---|
/// | `--log-level` | `LOSSD_LOG_LEVEL` | `info` |
/// | `--auth-token-file` | `LOSSD_AUTH_TOKEN_FILE` | none (no authentication) |
/// | `--tls-cert` | `LOSSD_TLS_CERT` | none (plain HTTP) |
/// | `--tls-key` | `LOSSD_TLS_KEY` | none |
/// | `--drain-grace` | `LOSSD_DRAIN_GRACE` | 5 (seconds) |
/// | `--drain-deadline` | `LOSSD_DRAIN_DEADLINE` | 20 (seconds) |
struct OperationsOptions: ParsableArguments {
    @Option(help: "Lowest log level written: trace, debug, info, notice, warning, error, critical (access lines are info).")
    var logLevel: String = "info"

    @Option(help: "File holding the bearer token that every route but health and metrics requires; unset, no authentication.")
    var authTokenFile: String?

    @Option(help: "PEM certificate chain, leaf first; with --tls-key, the listener speaks HTTPS.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Seconds to keep serving after SIGTERM/SIGINT, readiness at 503, before the listener closes.")
    var drainGrace: Double = 5

    @Option(help: "Seconds in-flight requests get to finish once the listener has closed.")
    var drainDeadline: Double = 20

    func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level: unknown level '\(logLevel)' (trace, debug, info, notice, warning, error, critical)")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key (LOSSD_TLS_CERT, LOSSD_TLS_KEY) go together: give both or neither")
        }
        for (name, value) in [("drain-grace", drainGrace), ("drain-deadline", drainDeadline)]
        where !(value.isFinite && value >= 0 && value <= 86_400) {
            throw ValidationError("--\(name) must be a number of seconds from 0 to 86400, got \(value)")
        }
    }

    /// The settings these options give; reads the token file.
    ///
    /// - Throws: `ValidationError` when the token file cannot be read or holds no valid token.
    func settings() throws -> OperationsSettings {
        var settings = OperationsSettings()
        settings.logLevel = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        settings.authToken = try authTokenFile.map(Self.readToken(path:))
        if let tlsCert, let tlsKey {
            settings.tls = Server.TLS(certificatePath: tlsCert, keyPath: tlsKey)
        }
        settings.drainGrace = .milliseconds(Int64((drainGrace * 1000).rounded()))
        settings.drainDeadline = .milliseconds(Int64((drainDeadline * 1000).rounded()))
        return settings
    }

    /// The token in `path`, without surrounding whitespace (files usually end in a newline).
    private static func readToken(path: String) throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.read(path, limit: 64 * 1024)
        } catch {
            throw ValidationError("--auth-token-file: cannot read '\(path)': \(error)")
        }
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let trimmed = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        let token = String(decoding: trimmed, as: UTF8.self)
        guard !trimmed.isEmpty, trimmed.count <= 4096, trimmed.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ValidationError("--auth-token-file: '\(path)' must hold one token of 1 to 4096 visible ASCII characters")
        }
        return token
    }
}

/// The resolved operations settings of `lossd serve`.
struct OperationsSettings: Sendable {
    /// Lowest level logged.
    var logLevel: Logger.Level = .info
    /// The bearer token, when authentication is on.
    var authToken: String?
    /// HTTPS certificate and key, when TLS is on.
    var tls: Server.TLS?
    /// How long to keep serving after the first SIGTERM/SIGINT, readiness at 503.
    var drainGrace: Duration = .seconds(5)
    /// How long in-flight requests may take to finish once the listener has closed.
    var drainDeadline: Duration = .seconds(20)
}
