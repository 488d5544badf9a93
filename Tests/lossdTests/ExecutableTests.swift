import Foundation
import Testing

/// The lossd binary as a user runs it: exit codes, standard output, environment settings.
@Suite struct ExecutableTests {
    /// The lossd binary next to this test bundle (`swift build` puts both in one directory).
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("lossd").path),
            directory.path != "/"
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("lossd")
    }()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs lossd with `arguments`, `stdin` and extra `environment`, waiting for it to exit.
    static func run(_ arguments: [String], stdin: String = "", environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOSSD_") }
            .merging(environment) { $1 }
        let (input, output, error) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func compute_BadJob_ExitsOne_WithTheProblemOnStdout() throws {
        let run = try Self.run(["compute", "mse_loss"], stdin: #"{"input": [[1, 2], [3]], "target": [1]}"#)
        #expect(run.status == 1)
        let problem = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(problem["code"] as? String == "INVALID_TENSOR")
        #expect((problem["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/input/1")
    }

    @Test func compute_WithoutALossName_IsMalformedRequest() throws {
        let run = try Self.run(["compute"], stdin: #"{"input": [1], "target": [1]}"#)
        #expect(run.status == 1)
        #expect(run.stdout.contains(#""code":"MALFORMED_REQUEST""#))
    }

    @Test func compute_Batch_Succeeds_EvenWhenAJobFails() throws {
        let run = try Self.run(["compute"], stdin: #"{"jobs": [{"loss": "nope", "input": [1], "target": [1]}]}"#)
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix(#"{"results":[{"error":"#))
    }

    @Test func compute_MalformedJSON_ExitsOne() throws {
        let run = try Self.run(["compute", "mse_loss"], stdin: "{")
        #expect(run.status == 1)
        #expect(run.stdout.contains("MALFORMED_JSON"))
    }

    @Test func serve_InvalidFlag_IsAUsageError() throws {
        let run = try Self.run(["serve", "--port", "70000"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--port must be in 0...65535"))
    }

    @Test func serve_ReadsEveryOptionFromTheEnvironment() throws {
        let fromEnvironment = try Self.run(["serve"], environment: ["LOSSD_MAX_JSON_DEPTH": "0"])
        #expect(fromEnvironment.status == 64)
        #expect(fromEnvironment.stderr.contains("--max-json-depth must be positive"))
        let asDefaultCommand = try Self.run([], environment: ["LOSSD_COMPRESSION_LEVEL": "12"])
        #expect(asDefaultCommand.stderr.contains("--compression-level must be in 1...9, got 12"))
        let toggle = try Self.run([], environment: ["LOSSD_COMPRESSION": "maybe"])
        #expect(toggle.status == 64)
        let strategy = try Self.run([], environment: ["LOSSD_COMPRESSION_STRATEGY": "zstd"])
        #expect(strategy.status == 64)
        #expect(strategy.stderr.contains("huffman-only"), "the error lists the valid strategies")
    }

    @Test func serve_CommandLineWinsOverTheEnvironment() throws {
        let run = try Self.run(["serve", "--compression-level", "20"], environment: ["LOSSD_COMPRESSION_LEVEL": "3"])
        #expect(run.stderr.contains("got 20"))
    }

    @Test func serve_UnknownEnvironmentSetting_RefusesToStart_NamingIt() throws {
        let run = try Self.run([], environment: ["LOSSD_NO_SUCH_SETTING": "1", "LOSSD_MAX_BODY_BYTE": "10", "LOSSD_PORT": "0"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("LOSSD_MAX_BODY_BYTE, LOSSD_NO_SUCH_SETTING are not a setting of lossd serve"))
        #expect(run.stderr.contains("LOSSD_MAX_BODY_BYTES"), "the error lists the settings")
        #expect(!run.stderr.contains("LOSSD_VERSION") && !run.stderr.contains("LOSSD_HELP"), "--version and --help are no settings")
    }

    @Test func serve_ToolVariables_AreNotSettingsAndDoNotStopIt() throws {
        // LOSSD_BIN (test scripts) and LOSSD_URL (Python client) beside an invalid port: the
        // port's error shows that parsing went on past them.
        let run = try Self.run([], environment: ["LOSSD_BIN": "/x", "LOSSD_URL": "http://h", "LOSSD_PORT": "70000"])
        #expect(run.stderr.contains("--port must be in 0...65535"))
        #expect(!run.stderr.contains("not a setting"))
    }

    @Test func version_AnswersWithTheAPIVersion() throws {
        let run = try Self.run(["--version"])
        #expect(run.status == 0)
        let version = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." })
        // The version openapi.yaml (and GET /v2) report.
        #expect(try Self.run(["openapi"]).stdout.contains("version: \"\(version)\"\n"))
    }
}

extension ExecutableTests {
    @Test func serve_OptionGroupOptions_HaveEnvironmentTwinsToo() throws {
        let run = try Self.run([], environment: ["LOSSD_LOG_LEVEL": "loud"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--log-level: unknown level 'loud'"))
    }
}
