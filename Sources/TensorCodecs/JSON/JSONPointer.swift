/// Building JSON pointers (RFC 6901): `/input/3/1`, with `~` written `~0` and `/` written `~1`
/// inside member names.
public enum JSONPointer {
    /// Escapes one reference token: `~` becomes `~0`, then `/` becomes `~1`.
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") })
        else { return token }
        return token.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// `base` extended by a member name (escaped).
    public static func appending(_ base: String, key: String) -> String {
        base + "/" + escape(key)
    }

    /// `base` extended by an array index.
    public static func appending(_ base: String, index: Int) -> String {
        base + "/" + String(index)
    }

    /// `base` extended by a multi-dimensional index of a packed array: `/input` + `[1, 2]`
    /// gives `/input/1/2`, the element as it sits in the nested JSON.
    public static func appending(_ base: String, indices: [Int]) -> String {
        indices.reduce(base) { appending($0, index: $1) }
    }
}
