import HTTPServer
import LossKernels
import TensorCodecs

extension LossService {
    /// `lossd compute`: answers a JSON document that is either a batch (`{"jobs": [...]}`) or one
    /// job whose loss is `loss` or its `"loss"` member. Same decoding, kernels, writer and
    /// problems as the HTTP routes; the status is what the HTTP API would have answered.
    public func compute(document: [UInt8], loss: String?) -> (status: Int, body: [UInt8]) {
        var record = ExchangeRecord(route: "compute", requestID: "compute")
        do throws(Problem) {
            let object = try parseJSONObject(document)
            if object["jobs"] != nil {
                return (200, try runBatch(object, record: &record))
            }
            let memberName = object["loss"]?.stringValue
            guard let name = loss ?? memberName else {
                throw Problem(
                    .malformedRequest, "Name the loss: as the argument of lossd compute, or in a \"loss\" member.",
                    pointer: "/loss")
            }
            if let memberName, memberName != name {
                throw Problem(
                    .malformedRequest, "The argument names \(name) but the job's \"loss\" member names \(memberName).",
                    pointer: "/loss")
            }
            let decoded = try JSONJobDecoder.decode(object, loss: try LossName.named(name), pointer: "", allowsLossMember: true)
            let result = try JobRunner.run(decoded, record: &record)
            var json = JSONWriter()
            ResultDocument.write(result, of: decoded, to: &json)
            return (200, json.bytes)
        } catch {
            var json = JSONWriter()
            ProblemRenderer.write(error, requestID: nil, to: &json)
            return (error.status, json.bytes)
        }
    }
}
