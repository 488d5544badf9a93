import LossKernels

/// The Markdown tables of README.md and docs/API.md that are generated from the descriptors
/// (docs/API.md's warning and error tables are written by hand and checked against
/// `WarningCode.all` and `ProblemCode.all` by ContractDocumentsTests)
/// (`lossd docs TABLE` prints one; `scripts/generate-contract.sh` writes them between
/// `<!-- generated: TABLE -->` and `<!-- end: TABLE -->`, and a test fails when they drift).
public enum ContractTables {
    /// The tables by name.
    public static let all: [(name: String, text: String)] = [
        ("losses", losses), ("options", options),
    ]

    /// The table called `name`, if there is one.
    public static func table(_ name: String) -> String? { all.first { $0.name == name }?.text }

    /// Every loss: its tensors (required in bold, differentiable with an arrow) and options
    /// beyond reduction, compat and dtype, and its reductions.
    static var losses: String {
        let common: Set = ["reduction", LossOption.compat.name, LossOption.dtype.name]
        var rows = [
            "| loss | tensors (required **bold**; → has a gradient) | options beyond reduction, compat, dtype | reductions |",
            "|---|---|---|---|",
        ]
        for loss in Loss.catalogue {
            let tensors = loss.tensors.map { t in (t.required ? "**\(t.name)**" : t.name) + (t.differentiable ? " →" : "") }
            let options = loss.options.filter { !common.contains($0.name) }.map(\.name)
            rows.append(
                "| `\(loss.name.rawValue)` | \(tensors.joined(separator: ", ")) | "
                    + (options.isEmpty ? "—" : options.joined(separator: ", ")) + " | "
                    + loss.reductions.map(\.rawValue).joined(separator: ", ") + " |")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    /// Every option: the losses that take it, its type and domain, default and meaning (one row
    /// per distinct declaration, so that an option whose default differs between losses shows both).
    static var options: String {
        var groups: [(option: LossOption, losses: [String])] = []
        for loss in Loss.catalogue {
            for option in loss.options {
                if let i = groups.firstIndex(where: { $0.option == option }) {
                    groups[i].losses.append(loss.name.rawValue)
                } else if option.name == "reduction", let i = groups.firstIndex(where: { $0.option.name == "reduction" }) {
                    groups[i].losses.append(loss.name.rawValue)  // one row: its choices differ by loss (see the losses table)
                } else {
                    groups.append((option, [loss.name.rawValue]))
                }
            }
        }
        var rows = ["| option | losses | type | default | meaning |", "|---|---|---|---|---|"]
        for (option, names) in groups {
            let losses = names.count == Loss.catalogue.count ? "all" : names.joined(separator: ", ")
            let (type, meaning) =
                option.name == "reduction"
                ? ("one of the loss's reductions (losses table)", "none: one value per element or sample; mean; sum")
                : (domain(option.domain), escaped(option.description))
            rows.append("| `\(option.name)` | \(losses) | \(type) | `\(text(option.defaultValue))` | \(meaning) |")
        }
        return rows.joined(separator: "\n") + "\n"
    }

    private static func domain(_ domain: LossOption.Domain) -> String {
        switch domain {
        case .choice(let words): return words.map { "`\($0)`" }.joined(separator: ", ")
        case .boolean: return "boolean"
        case .integer(let range):
            switch (range.lowerBound == Int64.min, range.upperBound == Int64.max) {
            case (true, true): return "integer"
            case (false, true): return "integer >= \(range.lowerBound)"
            case (true, false): return "integer <= \(range.upperBound)"
            case (false, false): return "integer in [\(range.lowerBound), \(range.upperBound)]"
            }
        case .real(let interval):
            let bounds = interval.description
            return bounds.isEmpty ? "number" : "number " + bounds
        }
    }

    private static func text(_ value: OptionValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): String(b)
        }
    }

    private static func escaped(_ text: String) -> String { text.replacing("|", with: "\\|") }
}
