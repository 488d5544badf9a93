import TensorCodecs

/// The one place where a `Problem` becomes bytes: an RFC 9457 document with the lossd
/// extensions `code`, `errors` and `error` (a copy of `detail`, which Open Inference Protocol
/// clients such as tritonclient read).
enum ProblemRenderer {
    /// `problem` as `application/problem+json`, with `instance` naming the request.
    static func render(_ problem: Problem, requestID: String) -> [UInt8] {
        var json = JSONWriter()
        write(problem, requestID: requestID, to: &json)
        return json.bytes
    }

    /// Writes `problem` as one object value into `json` (a batch embeds failed jobs this way).
    static func write(_ problem: Problem, requestID: String?, to json: inout JSONWriter) {
        json.beginObject()
        json.member("type", problem.code.typeURI)
        json.member("title", problem.code.title)
        json.member("status", problem.status)
        json.member("detail", problem.detail)
        if let requestID { json.member("instance", "urn:lossd:request:" + requestID) }
        json.member("code", problem.code.rawValue)
        json.key("errors")
        json.beginArray()
        for error in problem.errors {
            json.beginObject()
            json.member("pointer", error.pointer)
            json.member("detail", error.detail)
            json.endObject()
        }
        json.endArray()
        json.member("error", problem.detail)
        json.endObject()
    }
}
