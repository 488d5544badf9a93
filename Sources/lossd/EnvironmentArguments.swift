import ArgumentParser
import Foundation

/// Turns `LOSSD_*` environment variables into command-line options of `serve`, so that every
/// option has an environment twin without a second list of names to keep in step.
///
/// The option names come from the command's help (`--max-body-bytes` → `LOSSD_MAX_BODY_BYTES`),
/// option groups included. Environment options are placed
/// before the command-line ones, and ArgumentParser keeps the last value of a repeated option,
/// so the command line wins. A Boolean flag pair (`--compression`/`--no-compression`) reads
/// `true`/`false`/`1`/`0`/`yes`/`no`. A `LOSSD_*` variable that names no option is reported on
/// standard error and otherwise ignored (test harnesses set `LOSSD_BIN`).
enum EnvironmentArguments {
    /// The environment variable prefix.
    static let prefix = "LOSSD_"

    /// The process environment.
    static func processEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment
    }

    /// `arguments` with `environment`'s `LOSSD_*` settings inserted as options of `command`,
    /// when the arguments run that command (explicitly or as the default subcommand).
    static func merge(
        arguments: [String], environment: [String: String], command: any ParsableCommand.Type, commandName: String
    ) -> [String] {
        let isOtherSubcommand = arguments.first.map { !$0.hasPrefix("-") && $0 != commandName } ?? false
        let isRootHelp = arguments.first.map { ["-h", "--help", "--version", "help"].contains($0) } ?? false
        guard !isOtherSubcommand, !isRootHelp else { return arguments }
        let settings = environment.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
        guard !settings.isEmpty else { return arguments }
        let options = optionKinds(of: command)
        var injected: [String] = []
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
                // Not a setting of lossd (LOSSD_BIN of a test harness, a typo): say so, go on.
                FileHandle.standardError.write(Data("lossd: ignoring \(name): --\(flag) is not an option of serve\n".utf8))
            }
        }
        let rest = arguments.first == commandName ? Array(arguments.dropFirst()) : arguments
        return [commandName] + injected + rest
    }

    enum OptionKind { case value, toggle }

    /// The long option names of `command` and their kinds, read from its help text (so options of
    /// `@OptionGroup`s count too): `--port <port>` takes a value, `--compression/--no-compression`
    /// is a toggle.
    static func optionKinds(of command: any ParsableCommand.Type) -> [String: OptionKind] {
        var kinds: [String: OptionKind] = [:]
        for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let first = words.first, first.hasPrefix("--") else { continue }
            let names = first.split(separator: "/").map { String($0.dropFirst(2)) }
            guard let name = names.first, name != "help" else { continue }
            kinds[name] = words.count > 1 && words[1].hasPrefix("<") ? .value : .toggle
        }
        return kinds
    }
}
