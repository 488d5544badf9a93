import HTTPServer
import LossKernels
import TensorCodecs

extension LossService {
    /// `POST /v1/loss/{name}`: one job as JSON or safetensors; the answer as JSON or safetensors
    /// per `Accept` (default: the request's format).
    func computeLoss(_ request: Request, name: String, record: inout ExchangeRecord) throws(Problem) -> Response {
        let loss = try LossName.named(name)
        let format = try requestFormat(request)
        let answerFormat = try BodyFormat.ofResponse(accept: request.headers["Accept"], preferred: format)
        let decoded: DecodedJob = try timed(&record.parse) { () throws(Problem) -> DecodedJob in
            switch format {
            case .json:
                let object = try parseJSONObject(request.body)
                return try JSONJobDecoder.decode(object, loss: loss, pointer: "", query: request.query)
            case .binary:
                return try SafetensorsJobDecoder.decode(request.body, loss: loss, query: request.query)
            }
        }
        if answerFormat == .binary, SafetensorsResult.writesGradientInPlace(decoded) {
            let body = try SafetensorsResult.computeWithGradientInPlace(decoded, record: &record)
            return Response(status: 200, headers: ["Content-Type": BodyFormat.binary.rawValue], body: body)
        }
        let result = try JobRunner.run(decoded, record: &record)
        return timed(&record.encode) {
            switch answerFormat {
            case .json:
                var json = JSONWriter.reserving(64 + result.value.count * 12 + (result.grad?.count ?? 0) * 12)
                ResultDocument.write(result, of: decoded, to: &json)
                return .json(json.bytes)
            case .binary:
                return Response(
                    status: 200, headers: ["Content-Type": BodyFormat.binary.rawValue],
                    body: SafetensorsResult.encode(result, of: decoded))
            }
        }
    }

    /// The format of the request body.
    ///
    /// - Throws: `Problem` UNSUPPORTED_MEDIA_TYPE for a `Content-Type` lossd does not read.
    func requestFormat(_ request: Request) throws(Problem) -> BodyFormat {
        guard let format = BodyFormat.ofRequest(contentType: request.headers["Content-Type"]) else {
            throw Problem(
                .unsupportedMediaType,
                "Content-Type \(request.headers["Content-Type"] ?? "") is not read here; send application/json or application/octet-stream (safetensors).")
        }
        return format
    }

    /// The body parsed as a JSON object.
    ///
    /// - Throws: `Problem` MALFORMED_JSON (with byte offset and pointer), or MALFORMED_REQUEST
    ///   when the document is not an object.
    func parseJSONObject(_ body: [UInt8]) throws(Problem) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONReader.parse(
                body, options: JSONReader.Options(maxDepth: configuration.maxJSONDepth, maxValues: configuration.maxJSONValues))
        } catch {
            throw error.problem
        }
        guard case .object(let object) = value else {
            throw Problem(.malformedRequest, "The body must be a JSON object, not \(value.typeDescription).", pointer: "")
        }
        return object
    }
}
