import ArgumentParser
import LossAPI

/// The lossd executable: `lossd serve` (the default) runs the HTTP service, `lossd compute`
/// answers one job or batch from standard input, `lossd openapi` and `lossd docs` print the
/// contract generated from the loss descriptors, `lossd --version` the version.
///
/// Every `serve` option also reads from the environment as `LOSSD_<OPTION>` (`--max-body-bytes`
/// ↔ `LOSSD_MAX_BODY_BYTES`, `--no-compression` ↔ `LOSSD_COMPRESSION=false`); a flag on the
/// command line wins over the environment (`EnvironmentArguments`).
@main
struct Lossd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lossd",
        abstract: "An HTTP service that computes machine-learning losses, gradients and diagnostics.",
        version: LossService.version,
        subcommands: [Serve.self, Compute.self, OpenAPI.self, Docs.self],
        defaultSubcommand: Serve.self
    )

    /// Parses `CommandLine.arguments` with the `LOSSD_*` environment folded in, then runs.
    static func main() {
        CPUSupport.requireKernelFeatures()
        do {
            let arguments = try EnvironmentArguments.merge(
                arguments: Array(CommandLine.arguments.dropFirst()),
                environment: EnvironmentArguments.processEnvironment(),
                command: Serve.self, commandName: Serve.configuration.commandName ?? "serve")
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
