import HTTPServer
import LossKernels
import TensorCodecs

/// Writes an inference response: JSON outputs with flat `data`, or binary outputs after the
/// JSON header (`Inference-Header-Content-Length`), diagnostics as a JSON string in
/// `parameters.diagnostics`.
enum OIPInferResponse {
    static func encode(_ result: LossResult, of request: OIPInferRequest, model: LossName) -> Response {
        var json = JSONWriter.reserving(512 + (request.outputs.contains { !$0.binary } ? (result.grad?.count ?? 0) * 12 : 0))
        var blobs: [SafetensorsWriter.Entry] = []
        json.beginObject()
        json.member("model_name", model.rawValue)
        json.member("model_version", "1")
        if let id = request.id { json.member("id", id) }
        json.key("parameters")
        json.beginObject()
        var diagnostics = JSONWriter()
        ResultDocument.write(result.diagnostics, to: &diagnostics)
        json.member("diagnostics", String(decoding: diagnostics.bytes, as: UTF8.self))
        json.endObject()
        json.key("outputs")
        json.beginArray()
        let gradients = request.decoded.wireGradients(result)
        for output in request.outputs {
            guard let tensor = output.name == "value" ? result.value : gradients.first(where: { $0.name == output.name })?.tensor
            else { continue }
            json.beginObject()
            json.member("name", output.name)
            json.member("datatype", tensor.isFloat64 ? "FP64" : "FP32")
            json.key("shape")
            json.beginArray()
            for size in tensor.shape { json.integer(Int64(size)) }
            json.endArray()
            if output.binary {
                let blob = SafetensorsResult.entry(output.name, tensor)
                json.key("parameters")
                json.beginObject()
                json.member("binary_data_size", blob.byteCount)
                json.endObject()
                blobs.append(blob)
            } else {
                json.key("data")
                json.tensor(Tensor(shape: [tensor.count], storage: tensor.storage), form: .nested)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        guard !blobs.isEmpty else { return .json(json.bytes) }
        let body = SafetensorsWriter.concatenate(json.bytes, blobs)
        return Response(
            status: 200,
            headers: [
                "Content-Type": BodyFormat.binary.rawValue,
                "Inference-Header-Content-Length": String(json.bytes.count),
            ],
            body: body)
    }
}

extension Tensor {
    var isFloat64: Bool {
        if case .float64 = storage { return true }
        return false
    }
}
