import HTTPServer
import LossKernels
import TensorCodecs

extension LossService {
    /// `POST /v2/models/{name}/infer`: an Open Inference Protocol request, JSON or with the
    /// binary tensor data extension (`Inference-Header-Content-Length` gives the JSON length).
    func infer(_ request: Request, name: String, record: inout ExchangeRecord) throws(Problem) -> Response {
        let loss = try LossName.named(name)
        if let contentType = request.headers["Content-Type"], BodyFormat.ofRequest(contentType: contentType) == nil {
            throw Problem(
                .unsupportedMediaType,
                "Content-Type \(contentType) is not read here; send application/json or application/octet-stream.")
        }
        // The answer is JSON, or JSON followed by binary data (application/octet-stream): an
        // Accept that admits neither is a 406, as on the v1 routes.
        _ = try BodyFormat.ofResponse(accept: request.headers["Accept"], preferred: .json)
        let inference = try timed(&record.parse) { () throws(Problem) -> OIPInferRequest in
            var headerLength = request.body.count
            if let field = request.headers["Inference-Header-Content-Length"] {
                guard let length = Int(field), length >= 0, length <= request.body.count else {
                    throw Problem(
                        .malformedRequest,
                        "Inference-Header-Content-Length must be a byte count within the body (\(request.body.count) bytes), not \(field).")
                }
                headerLength = length
            }
            let object = try parseJSONObject(Array(request.body[..<headerLength]))
            return try OIPInferRequest(object, binary: request.body[headerLength...], loss: loss)
        }
        let result = try JobRunner.run(inference.decoded, record: &record)
        return timed(&record.encode) { OIPInferResponse.encode(result, of: inference, model: loss) }
    }
}
