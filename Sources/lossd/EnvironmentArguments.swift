import ArgumentParser
import Foundation

/// Turns `LOSSD_*` environment variables into command-line options of `serve`, so that every
/// option has an environment twin without a second list of names to keep in step.
///
/// The option names come from the command's properties (`maxBodyBytes` → `--max-body-bytes` →
/// `LOSSD_MAX_BODY_BYTES`), as ArgumentParser derives them. Environment options are placed
/// before the command-line ones, and ArgumentParser keeps the last value of a repeated option,
/// so the command line wins. A Boolean flag pair (`--compression`/`--no-compression`) reads
/// `true`/`false`/`1`/`0`/`yes`/`no`. A `LOSSD_*` variable that names no option is an error.
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
                injected += ["--" + flag]  // names no option: the parser reports it as unknown
            }
        }
        let rest = arguments.first == commandName ? Array(arguments.dropFirst()) : arguments
        return [commandName] + injected + rest
    }

    enum OptionKind { case value, toggle }

    /// The long option names of `command` (kebab-cased property names) and their kinds.
    static func optionKinds(of command: any ParsableArguments.Type) -> [String: OptionKind] {
        var kinds: [String: OptionKind] = [:]
        for child in Mirror(reflecting: command.init()).children {
            if let group = child.value as? any OptionGroupContents {
                kinds.merge(optionKinds(of: type(of: group).contentsType)) { own, _ in own }
                continue
            }
            guard var label = child.label else { continue }
            if label.hasPrefix("_") { label.removeFirst() }
            let kind: OptionKind = child.value is Flag<Bool> ? .toggle : .value
            kinds[kebabCase(label)] = kind
        }
        return kinds
    }

    /// `maxBodyBytes` → `max-body-bytes`.
    static func kebabCase(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "-" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// An `@OptionGroup`, whose options `EnvironmentArguments` reads from the environment too.
protocol OptionGroupContents {
    /// The type whose options the group adds.
    static var contentsType: any ParsableArguments.Type { get }
}

extension OptionGroup: OptionGroupContents {
    static var contentsType: any ParsableArguments.Type { Value.self }
}
