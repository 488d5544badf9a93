/// The preferences stated by a request's `Accept-Encoding` field ([RFC 9110 §12.5.3]), and the
/// choice of response coding made from them.
///
/// ```
/// Accept-Encoding = #( codings [ weight ] )
/// codings         = content-coding / "identity" / "*"
/// weight          = OWS ";" OWS "q=" qvalue
/// qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
/// ```
///
/// Decisions taken where the RFC leaves room:
/// - Coding names and the `q` parameter are case-insensitive; `x-gzip` counts as `gzip`.
/// - Empty list elements are skipped (§5.6.1). An element that does not parse (a name that is not a
///   token, a `q` outside the qvalue grammar such as `q=2` or `q=0.5000`, a repeated `q`) is
///   ignored as if absent, so one bad element never poisons the others. Other parameters are
///   ignored.
/// - When a coding is listed twice, the first occurrence wins.
/// - A missing field means "no preference": lossd answers `identity` (RFC 9110 would allow any
///   coding, but a client that sent nothing may not decode one). An empty field means identity only.
/// - `identity` is acceptable unless `identity;q=0`, or `*;q=0` without an `identity` entry. An
///   identity that is acceptable only implicitly ranks below every listed coding.
/// - Among acceptable codings the highest weight wins; ties prefer `gzip`, then `deflate`, then
///   `identity` (compressing is why the server negotiates at all).
///
/// [RFC 9110 §12.5.3]: https://www.rfc-editor.org/rfc/rfc9110#section-12.5.3
public struct AcceptEncoding: Sendable, Hashable {
    /// Weights in thousandths (`q=0.5` is 500) of the codings lossd knows, as listed in the field.
    private var listed: [ContentCoding: Int] = [:]
    /// The weight of `*`, if listed.
    private var wildcard: Int?
    /// Whether the request carried the field at all.
    public let isPresent: Bool

    /// Parses a field value. Pass every `Accept-Encoding` line of the request joined with `", "`
    /// (RFC 9110 §5.3), or `nil` when the request has none. Never fails: see the type's notes for
    /// how malformed elements are treated.
    public init(_ fieldValue: String?) {
        guard let fieldValue else {
            isPresent = false
            return
        }
        isPresent = true
        var seenNames: Set<String> = []
        for element in fieldValue.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard let (name, weight) = Self.parseElement(element), !seenNames.contains(name) else { continue }
            seenNames.insert(name)
            switch name {
            case "*": wildcard = weight
            case "x-gzip": listed[.gzip] = weight
            default:
                if let coding = ContentCoding(rawValue: name) { listed[coding] = weight }
            }
        }
    }

    /// The effective weight of `coding` in thousandths: its own entry, else that of `*`.
    ///
    /// Returns `nil` when the field says nothing about the coding (not listed, no `*`): for
    /// `identity` that means acceptable at the lowest rank, for others not acceptable.
    public func weight(of coding: ContentCoding) -> Int? {
        listed[coding] ?? wildcard
    }

    /// Whether a response in `coding` is acceptable to the client.
    public func isAcceptable(_ coding: ContentCoding) -> Bool {
        guard isPresent else { return true }
        if let weight = weight(of: coding) { return weight > 0 }
        return coding == .identity
    }

    /// Chooses the response coding.
    ///
    /// - Parameter preferIdentity: `true` when the body should stay uncompressed if the client
    ///   allows it (it is below the compression threshold, or has no content). A compressed coding
    ///   is then chosen only when identity is forbidden.
    /// - Returns: the coding to apply, or `.notAcceptable` when no coding lossd can produce is
    ///   acceptable and identity is forbidden (the server answers 406).
    public func negotiate(preferIdentity: Bool = false) -> ContentCoding.Negotiation {
        guard isPresent else { return .identity }
        let identityAcceptable = isAcceptable(.identity)
        if preferIdentity && identityAcceptable { return .identity }

        // Ties keep the earlier candidate: gzip, then deflate.
        var best: (coding: ContentCoding, weight: Int)?
        for coding in [ContentCoding.gzip, .deflate] {
            guard let weight = weight(of: coding), weight > 0 else { continue }
            if weight > best?.weight ?? 0 { best = (coding, weight) }
        }
        guard let best else { return identityAcceptable ? .identity : .notAcceptable }
        if !preferIdentity, let identityWeight = weight(of: .identity), identityWeight > best.weight {
            return .identity
        }
        return best.coding == .gzip ? .gzip : .deflate
    }

    /// Parses one list element into a lowercased coding name and a weight in thousandths, or `nil`
    /// if it is empty or malformed.
    private static func parseElement(_ element: Substring.UTF8View.SubSequence) -> (String, Int)? {
        let parts = element.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        let name = CodingFieldLexer.lowercasedTrimmingWhitespace(String(decoding: parts[0], as: UTF8.self))
        guard !name.isEmpty, name.utf8.allSatisfy(CodingFieldLexer.isTokenCharacter) else { return nil }
        var weight: Int?
        for parameter in parts.dropFirst() {
            let text = CodingFieldLexer.lowercasedTrimmingWhitespace(String(decoding: parameter, as: UTF8.self))
            guard let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            let key = text[..<equals]
            guard !key.isEmpty, key.utf8.allSatisfy(CodingFieldLexer.isTokenCharacter) else { return nil }
            guard key == "q" else { continue }
            guard weight == nil, let parsed = parseQValue(text[text.index(after: equals)...]) else { return nil }
            weight = parsed
        }
        return (name, weight ?? 1000)
    }

    /// Parses `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` into thousandths.
    static func parseQValue(_ text: Substring) -> Int? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var thousandths = first == UInt8(ascii: "1") ? 1000 : 0
        guard bytes.count > 1 else { return thousandths }
        let fraction = bytes[2...]
        guard bytes[1] == UInt8(ascii: "."), fraction.count <= 3 else { return nil }
        var scale = 100
        for digit in fraction {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            thousandths += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return thousandths <= 1000 ? thousandths : nil
    }
}

extension ContentCoding {
    /// The outcome of `Accept-Encoding` negotiation.
    public enum Negotiation: Sendable, Hashable {
        case gzip
        case deflate
        case identity
        /// Nothing lossd can produce is acceptable and identity is forbidden: answer 406.
        case notAcceptable

        /// The coding to apply, or `nil` for `.notAcceptable`.
        public var coding: ContentCoding? {
            switch self {
            case .gzip: .gzip
            case .deflate: .deflate
            case .identity: .identity
            case .notAcceptable: nil
            }
        }
    }

    /// Chooses a response coding from a request's `Accept-Encoding` field value (`nil` when the
    /// request has none). Shorthand for `AcceptEncoding(value).negotiate(preferIdentity:)`.
    public static func negotiate(acceptEncoding value: String?, preferIdentity: Bool = false) -> Negotiation {
        AcceptEncoding(value).negotiate(preferIdentity: preferIdentity)
    }
}
