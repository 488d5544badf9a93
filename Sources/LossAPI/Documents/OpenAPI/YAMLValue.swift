/// A YAML document tree with ordered mappings, written in literal syntax
/// (`["type": "object", "required": ["input"]]`) and rendered as block YAML that PyYAML and
/// every YAML 1.2 reader load to the same value: short collections of scalars on one line in
/// flow style, strings quoted whenever a plain scalar could be read as something else.
indirect enum YAMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case list([YAMLValue])
    case mapping([(key: String, value: YAMLValue)])

    static func == (a: YAMLValue, b: YAMLValue) -> Bool { a.rendered == b.rendered }

    /// The document text, ending with a newline.
    var rendered: String {
        var out = ""
        Self.block(self, indent: 0, into: &out)
        return out
    }

    /// A mapping from pairs, skipping `nil` values (optional members).
    static func members(_ pairs: [(String, YAMLValue?)]) -> YAMLValue {
        .mapping(pairs.compactMap { key, value in value.map { (key, $0) } })
    }

    /// `self` with `other`'s members appended (both mappings).
    func merging(_ other: YAMLValue) -> YAMLValue {
        guard case .mapping(let a) = self, case .mapping(let b) = other else { preconditionFailure("merging non-mappings") }
        return .mapping(a + b)
    }

    // MARK: Rendering

    private var isCollection: Bool {
        switch self {
        case .list, .mapping: true
        default: false
        }
    }

    /// Longest line a flow collection may take before it is written as a block.
    private static let flowWidth = 100

    private static func block(_ value: YAMLValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .mapping(let members):
            for (key, member) in members {
                out += pad + scalarText(key, flow: false) + ":"
                inlineOrNested(member, indent: indent, into: &out)
            }
        case .list(let items):
            for item in items {
                if case .mapping(let members) = item, !members.isEmpty,
                    (flowText(item).map { $0.count + indent + 2 > flowWidth } ?? true)
                {
                    // `- key: value` then the other members aligned under the first.
                    var nested = ""
                    block(item, indent: indent + 2, into: &nested)
                    out += pad + "- " + nested.dropFirst(indent + 2)
                } else {
                    out += pad + "-"
                    inlineOrNested(item, indent: indent, into: &out)
                }
            }
        default:
            out += pad + (flowText(value) ?? "") + "\n"
        }
    }

    /// After `key:` or `-`: a scalar or short collection on the same line, else the collection
    /// indented on the next lines (a multi-line string as a literal block).
    private static func inlineOrNested(_ value: YAMLValue, indent: Int, into out: inout String) {
        if case .string(let text) = value, text.contains("\n") {
            out += " |\n"
            let pad = String(repeating: " ", count: indent + 2)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
                out += (line.isEmpty ? "" : pad + line) + "\n"
            }
            return
        }
        if let flow = flowText(value), flow.count + indent <= flowWidth || !value.isCollection {
            out += " " + flow + "\n"
            return
        }
        out += "\n"
        block(value, indent: indent + 2, into: &out)
    }

    /// The value in flow style, or `nil` when it holds a collection of collections of
    /// collections or a multi-line string.
    private static func flowText(_ value: YAMLValue, depth: Int = 0) -> String? {
        switch value {
        case .string(let text): return text.contains("\n") ? nil : scalarText(text, flow: depth > 0)
        case .integer(let i): return String(i)
        case .real(let d): return realText(d)
        case .boolean(let b): return b ? "true" : "false"
        case .list(let items):
            guard depth < 2 else { return nil }
            var parts: [String] = []
            for item in items {
                guard let text = flowText(item, depth: depth + 1) else { return nil }
                parts.append(text)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case .mapping(let members):
            guard depth < 2 else { return nil }
            if members.isEmpty { return "{}" }
            var parts: [String] = []
            for (key, member) in members {
                guard let text = flowText(member, depth: depth + 1) else { return nil }
                parts.append(scalarText(key, flow: true) + ": " + text)
            }
            return "{ " + parts.joined(separator: ", ") + " }"
        }
    }

    /// A real with a decimal point and a signed exponent, as YAML 1.1 readers (PyYAML) need to
    /// read it as a float rather than a string.
    private static func realText(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
        var text = String(describing: d)
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var mantissa = String(text[..<e])
            var exponent = String(text[text.index(after: e)...])
            if !mantissa.contains(".") { mantissa += ".0" }
            if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
            text = mantissa + "e" + exponent
        }
        return text
    }

    /// Words a YAML 1.1 reader would take for a boolean or null.
    private static let reserved: Set<String> = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]

    /// `text` as a plain scalar when that reads back as the same string, else double-quoted.
    private static func scalarText(_ text: String, flow: Bool) -> String {
        let first = text.unicodeScalars.first
        let plainStart = first.map { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" || $0 == "$" || $0 == "/" } ?? false
        let allowed = text.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || " _-./()+;=<>'".unicodeScalars.contains(c) || (!flow && c == ",")
        }
        if plainStart, allowed, !text.hasSuffix(" "), !reserved.contains(text.lowercased()) { return text }
        var quoted = "\""
        for c in text.unicodeScalars {
            switch c {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case _ where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(c)
            }
        }
        return quoted + "\""
    }
}

extension YAMLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(booleanLiteral value: Bool) { self = .boolean(value) }
    init(floatLiteral value: Double) { self = .real(value) }
    init(arrayLiteral elements: YAMLValue...) { self = .list(elements) }
    init(dictionaryLiteral elements: (String, YAMLValue)...) { self = .mapping(elements.map { ($0.0, $0.1) }) }
}
