import LossKernels
import TensorCodecs

/// The Open Inference Protocol v2 metadata documents: a model is a loss.
enum OIPMetadata {
    /// `GET /v2`: name, version and the protocol extensions lossd implements.
    static let server: [UInt8] = {
        var json = JSONWriter()
        json.beginObject()
        json.member("name", LossService.serverName)
        json.member("version", LossService.version)
        json.key("extensions")
        json.beginArray()
        json.string("binary_tensor_data")
        json.string("parameters")
        json.endArray()
        json.endObject()
        return json.bytes
    }()

    /// `GET /v2/models/{name}`: the inputs (the loss's tensors, plus `grad_output`) and the
    /// outputs (`value`, then `grad` and `grad_NAME` for each differentiable tensor). Shapes are
    /// `[-1]`: any rank and size the loss accepts.
    static func model(_ name: LossName) -> [UInt8] {
        let descriptor = Loss.descriptor(name)
        var inputs = descriptor.tensors.map { ($0.name, $0.role == .floating ? "FP32" : "INT64") }
        inputs.append((JobAssembler.gradOutput, "FP32"))
        let outputs = [("value", "FP32")] + descriptor.differentiable.map { (descriptor.gradientName(of: $0.name), "FP32") }
        var json = JSONWriter()
        json.beginObject()
        json.member("name", name.rawValue)
        json.key("versions")
        json.beginArray()
        json.string("1")
        json.endArray()
        json.member("platform", "lossd")
        json.key("inputs")
        writeTensors(inputs, to: &json)
        json.key("outputs")
        writeTensors(outputs, to: &json)
        json.endObject()
        return json.bytes
    }

    /// `GET /v2/models/{name}/ready`.
    static func modelReady(_ name: LossName) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.member("name", name.rawValue)
        json.member("ready", true)
        json.endObject()
        return json.bytes
    }

    private static func writeTensors(_ tensors: [(name: String, datatype: String)], to json: inout JSONWriter) {
        json.beginArray()
        for tensor in tensors {
            json.beginObject()
            json.member("name", tensor.name)
            json.member("datatype", tensor.datatype)
            json.key("shape")
            json.beginArray()
            json.integer(-1)
            json.endArray()
            json.endObject()
        }
        json.endArray()
    }
}
