/// The two body representations lossd reads and writes besides problems, and the parsing of
/// `Content-Type` and `Accept` (RFC 9110 §8.3, §12.5.1) that chooses between them.
public enum BodyFormat: String, Sendable {
    /// `application/json`.
    case json = "application/json"
    /// `application/octet-stream`: a safetensors file on /v1, the binary tensor data extension
    /// on /v2.
    case binary = "application/octet-stream"

    /// The format of a request body from its `Content-Type`, or `nil` when lossd does not read
    /// that media type (415). A missing `Content-Type` is read as JSON, so that
    /// `curl --data-binary @job.json` needs no header; `application/vnd.safetensors` and any
    /// `application/*+json` are accepted as aliases.
    public static func ofRequest(contentType: String?) -> BodyFormat? {
        guard let contentType else { return .json }
        switch MediaRange(contentType)?.essence {
        case "application/json", "text/json": return .json
        case "application/octet-stream", "application/vnd.safetensors": return .binary
        case let essence? where essence.hasPrefix("application/") && essence.hasSuffix("+json"): return .json
        default: return nil
        }
    }

    /// The response format for an `Accept` header: the acceptable format with the highest
    /// q-value; on a tie (or without `Accept`) `preferred`, which is the request's own format.
    ///
    /// - Throws: `Problem` NOT_ACCEPTABLE (406) when `Accept` admits neither format.
    public static func ofResponse(accept: String?, preferred: BodyFormat) throws(Problem) -> BodyFormat {
        guard let accept, !accept.allSatisfy({ $0 == " " }) else { return preferred }
        let ranges = accept.split(separator: ",").compactMap { MediaRange(String($0)) }
        func quality(of format: BodyFormat) -> Double {
            let essence = format.rawValue
            let type = essence.prefix { $0 != "/" }
            // The most specific matching range decides (RFC 9110 §12.5.1).
            var best: (specificity: Int, q: Double)? = nil
            for range in ranges {
                let specificity: Int
                if range.essence == essence || (format == .binary && range.essence == "application/vnd.safetensors") {
                    specificity = 2
                } else if range.essence == type + "/*" {
                    specificity = 1
                } else if range.essence == "*/*" {
                    specificity = 0
                } else {
                    continue
                }
                if best == nil || specificity > best!.specificity { best = (specificity, range.quality) }
            }
            return best?.q ?? 0
        }
        let other: BodyFormat = preferred == .json ? .binary : .json
        let (qPreferred, qOther) = (quality(of: preferred), quality(of: other))
        if qPreferred == 0 && qOther == 0 {
            throw Problem(
                .notAcceptable,
                "Accept admits neither application/json nor application/octet-stream: \(accept)")
        }
        return qOther > qPreferred ? other : preferred
    }
}

/// One media range of a `Content-Type` or `Accept` field: `type/subtype` lowercased, and its
/// q-value (1 when absent).
struct MediaRange {
    /// `type/subtype`, lowercased, parameters removed.
    var essence: String
    /// The `q` parameter, clamped to [0, 1].
    var quality: Double

    /// Parses `text`; `nil` when it is not `token/token`.
    init?(_ text: String) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        let essence = parts[0].trimmingSpaces().lowercased()
        let pieces = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
        self.essence = essence
        self.quality = 1
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "q" else { continue }
            quality = min(1, max(0, Double(pair[1].trimmingSpaces()) ?? 1))
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's OWS).
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
