import HTTPServer
import LossKernels
import TensorCodecs

extension LossService {
    /// `POST /v1/batch`: `{"jobs": [...]}` → `{"results": [...]}` in order; a job that fails
    /// becomes `{"error": problem}` (pointers under `/jobs/i`) and the others still run.
    func computeBatch(_ request: Request, record: inout ExchangeRecord) throws(Problem) -> Response {
        guard try requestFormat(request) == .json else {
            throw Problem(.unsupportedMediaType, "POST /v1/batch reads application/json only.")
        }
        guard try BodyFormat.ofResponse(accept: request.headers["Accept"], preferred: .json) == .json else {
            throw Problem(.notAcceptable, "POST /v1/batch answers application/json only.")
        }
        let object = try timed(&record.parse) { () throws(Problem) in try parseJSONObject(request.body) }
        return .json(try runBatch(object, record: &record))
    }

    /// Runs the batch document `object` and writes the results document.
    ///
    /// - Throws: `Problem` MALFORMED_REQUEST when the envelope itself is wrong (no `jobs`
    ///   array, unknown members, more jobs than `maxBatchJobs`).
    func runBatch(_ object: JSONObject, record: inout ExchangeRecord) throws(Problem) -> [UInt8] {
        for key in object.keys where key != "jobs" {
            throw Problem(.malformedRequest, "A batch has one member, jobs; \(key) is unknown.", pointer: "/" + key)
        }
        // An array of only numbers (or of number arrays) arrives packed: none of its elements is
        // a job, and each gets its own error like any other element that is not an object.
        let jobs: [JSONValue]
        var packedElements: (count: Int, kind: String)? = nil
        switch object["jobs"] {
        case .array(let items)?: jobs = items
        case .numbers(let packed)? where !packed.shape.isEmpty:
            jobs = []
            packedElements = (packed.shape[0], packed.shape.count == 1 ? "a number" : "an array")
        default: throw Problem(.malformedRequest, "A batch needs \"jobs\": an array of job objects.", pointer: "/jobs")
        }
        let count = packedElements?.count ?? jobs.count
        guard count <= configuration.maxBatchJobs else {
            throw Problem(
                .malformedRequest, "A batch holds at most \(configuration.maxBatchJobs) jobs; this one has \(count).",
                pointer: "/jobs")
        }
        var json = JSONWriter.reserving(4096)
        json.beginObject()
        json.key("results")
        json.beginArray()
        for index in 0..<count {
            let pointer = JSONPointer.appending("/jobs", index: index)
            do throws(Problem) {
                if let packedElements {
                    throw Problem(.malformedRequest, "A job is an object, not \(packedElements.kind).", pointer: pointer)
                }
                let job = jobs[index]
                let decoded = try timed(&record.parse) { () throws(Problem) in try decodeBatchJob(job, pointer: pointer) }
                let result = try JobRunner.run(decoded, record: &record)
                timed(&record.encode) { ResultDocument.write(result, of: decoded, to: &json) }
            } catch {
                json.beginObject()
                json.key("error")
                ProblemRenderer.write(error, requestID: nil, to: &json)
                json.endObject()
            }
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// One batch job: an object with `loss` and the members of a job.
    private func decodeBatchJob(_ value: JSONValue, pointer: String) throws(Problem) -> DecodedJob {
        guard case .object(let object) = value else {
            throw Problem(.malformedRequest, "A job is an object, not \(value.typeDescription).", pointer: pointer)
        }
        let lossPointer = JSONPointer.appending(pointer, key: "loss")
        guard let name = object["loss"]?.stringValue else {
            throw Problem(.malformedRequest, "A batch job names its loss in \"loss\" (a string).", pointer: lossPointer)
        }
        var loss: LossName
        do {
            loss = try LossName.named(name)
        } catch {
            throw Problem(error.code, error.detail, pointer: lossPointer)
        }
        return try JSONJobDecoder.decode(object, loss: loss, pointer: pointer, allowsLossMember: true)
    }
}
