import ArgumentParser
import Foundation

/// Turns `LOSSD_*` environment variables into command-line options of `serve`, so that every
/// option has an environment twin without a second list of names to keep in step.
///
/// The option names come from the command's help (`--max-body-bytes` → `LOSSD_MAX_BODY_BYTES`),
/// option groups included. Environment options are placed
/// before the command-line ones, and ArgumentParser keeps the last value of a repeated option,
/// so the command line wins. A Boolean flag pair (`--compression`/`--no-compression`) reads
/// `true`/`false`/`1`/`0`/`yes`/`no`. A `LOSSD_*` variable that names no option stops `serve`
/// with an error naming it (a misspelt `LOSSD_MAX_BODY_BYTE` would otherwise leave the default
/// in force unnoticed), except the variables of lossd's own tools listed in `toolVariables`.
enum EnvironmentArguments {
    /// The environment variable prefix.
    static let prefix = "LOSSD_"

    /// `LOSSD_*` variables that belong to lossd's build, test scripts and Python client, not to
    /// `serve`: they may be set in the environment a server starts from.
    static let toolVariables: Set<String> = [
        "LOSSD_BIN", "LOSSD_URL", "LOSSD_TOKEN", "LOSSD_TARGET_CPU", "LOSSD_FUZZ_SECONDS", "LOSSD_CLIENT_TORCH",
        "LOSSD_E2E_OUTPUT", "LOSSD_SCHEMATHESIS_EXAMPLES", "LOSSD_SCHEMATHESIS_SECONDS",
    ]

    /// `LOSSD_*` variables that name no setting of `serve`.
    struct UnknownSettings: Error, CustomStringConvertible {
        var names: [String]
        var settings: [String]

        var description: String {
            "\(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") not a setting of lossd serve "
                + "(unset \(names.count == 1 ? "it" : "them"), or fix the spelling); the settings are "
                + settings.joined(separator: ", ")
        }
    }

    /// The process environment.
    static func processEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment
    }

    /// `arguments` with `environment`'s `LOSSD_*` settings inserted as options of `command`,
    /// when the arguments run that command (explicitly or as the default subcommand).
    ///
    /// - Throws: `UnknownSettings` when a `LOSSD_*` variable (other than `toolVariables`) names no option.
    static func merge(
        arguments: [String], environment: [String: String], command: any ParsableCommand.Type, commandName: String
    ) throws(UnknownSettings) -> [String] {
        let isOtherSubcommand = arguments.first.map { !$0.hasPrefix("-") && $0 != commandName } ?? false
        let isRootHelp = arguments.first.map { ["-h", "--help", "--version", "help"].contains($0) } ?? false
        guard !isOtherSubcommand, !isRootHelp else { return arguments }
        let settings = environment.filter { $0.key.hasPrefix(prefix) && !toolVariables.contains($0.key) }
            .sorted { $0.key < $1.key }
        guard !settings.isEmpty else { return arguments }
        let options = optionKinds(of: command)
        var injected: [String] = []
        var unknown: [String] = []
        for (name, value) in settings {
            let flag = String(name.dropFirst(prefix.count)).lowercased().replacing("_", with: "-")
            switch options[flag] {
            case .value?:
                injected += ["--" + flag, value]
            case .toggle?:
                switch value.lowercased() {
                case "1", "true", "yes", "on": injected.append("--" + flag)
                case "0", "false", "no", "off": injected.append("--no-" + flag)
                default: injected += ["--" + flag + "=" + value]  // let the parser report it
                }
            case nil:
                unknown.append(name)
            }
        }
        guard unknown.isEmpty else {
            throw UnknownSettings(
                names: unknown, settings: options.keys.sorted().map { prefix + $0.uppercased().replacing("-", with: "_") })
        }
        let rest = arguments.first == commandName ? Array(arguments.dropFirst()) : arguments
        return [commandName] + injected + rest
    }

    enum OptionKind { case value, toggle }

    /// The long option names of `command` and their kinds, read from its help text (so options of
    /// `@OptionGroup`s count too; `--help` and `--version` are not settings): `--port <port>` takes a value, `--compression/--no-compression`
    /// is a toggle.
    static func optionKinds(of command: any ParsableCommand.Type) -> [String: OptionKind] {
        var kinds: [String: OptionKind] = [:]
        for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let first = words.first, first.hasPrefix("--") else { continue }
            let names = first.split(separator: "/").map { String($0.dropFirst(2)) }
            guard let name = names.first, name != "help", name != "version" else { continue }
            kinds[name] = words.count > 1 && words[1].hasPrefix("<") ? .value : .toggle
        }
        return kinds
    }
}
