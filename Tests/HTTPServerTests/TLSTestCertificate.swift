import Foundation
import HTTPServer

/// A self-signed certificate and key for `localhost` and 127.0.0.1, made by the `openssl` CLI in
/// a fresh temporary directory. Call `remove()` when done.
struct TLSTestCertificate {
    let directory: URL
    let certificatePath: String
    let keyPath: String

    /// Generates the pair.
    ///
    /// - Parameter keyType: `"ec"` (P-256) or `"rsa"` (2048 bits).
    init(keyType: String = "ec") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lossd-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        let keyOptions =
            keyType == "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-newkey", "rsa:2048"]
        _ = try ToolRun.output(
            ["openssl", "req", "-x509"] + keyOptions + [
                "-nodes", "-keyout", keyPath, "-out", certificatePath, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
        )
    }

    /// A server context for this pair.
    func serverContext() throws -> TLSContext {
        try TLSContext(certificatePath: certificatePath, keyPath: keyPath)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
