/// RFC 6901 JSON pointers, built token by token.
public enum JSONPointer {
    /// `base` extended by one reference token, escaped per RFC 6901 §3 (`~` → `~0`, `/` → `~1`).
    public static func appending(_ token: String, to base: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(token.utf8.count)
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return base + "/" + escaped
    }

    /// `base` extended by an array index.
    public static func appending(_ index: Int, to base: String) -> String {
        base + "/" + String(index)
    }

    /// The pointer to the element at `index` (one index per dimension) of a nested array at
    /// `base`: `/target` + `[1, 2]` → `/target/1/2`.
    public static func appending(index: [Int], to base: String) -> String {
        index.reduce(base) { appending($1, to: $0) }
    }
}
