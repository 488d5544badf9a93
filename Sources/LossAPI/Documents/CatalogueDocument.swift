import LossKernels
import TensorCodecs

/// The body of `GET /v1/losses`, built once from `Loss.catalogue` and `WarningCode.all`:
/// `{"losses":[{"name", "description", "tensors":[{"name", "role", "required", "differentiable",
/// "description"}], "gradients", "targets", "reductions", "weight", "pos_weight",
/// "options":[{"name", "type", "default", "description", bounds or "enum"}]}],
/// "warnings":[{"code", "message"}]}`. `targets`, `weight` and `pos_weight` summarise `tensors`
/// for clients written before the tensors were listed.
enum CatalogueDocument {
    static let bytes: [UInt8] = {
        var json = JSONWriter.reserving(16384)
        json.beginObject()
        json.key("losses")
        json.beginArray()
        for loss in Loss.catalogue { write(loss, to: &json) }
        json.endArray()
        json.key("warnings")
        json.beginArray()
        for warning in WarningCode.all {
            json.beginObject()
            json.member("code", warning.code)
            json.member("message", warning.message)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }()

    private static func write(_ loss: LossDescriptor, to json: inout JSONWriter) {
        json.beginObject()
        json.member("name", loss.name.rawValue)
        json.member("description", loss.summary)
        json.key("tensors")
        json.beginArray()
        for tensor in loss.tensors {
            json.beginObject()
            json.member("name", tensor.name)
            json.member("role", tensor.role.rawValue)
            json.member("required", tensor.required)
            json.member("differentiable", tensor.differentiable)
            json.member("description", tensor.description)
            json.endObject()
        }
        json.endArray()
        strings("gradients", loss.differentiable.map { loss.gradientName(of: $0.name) }, to: &json)
        strings("targets", targetKinds(loss.tensor("target")), to: &json)
        strings("reductions", loss.reductions.map(\.rawValue), to: &json)
        json.member("weight", loss.tensor("weight") != nil)
        json.member("pos_weight", loss.tensor("pos_weight") != nil)
        json.key("options")
        json.beginArray()
        for option in loss.options { write(option, to: &json) }
        json.endArray()
        json.endObject()
    }

    private static func write(_ option: LossOption, to json: inout JSONWriter) {
        json.beginObject()
        json.member("name", option.name)
        json.key("default")
        write(option.defaultValue, to: &json)
        json.member("description", option.description)
        switch option.domain {
        case .choice(let words):
            json.member("type", "string")
            strings("enum", words, to: &json)
        case .boolean:
            json.member("type", "boolean")
        case .integer(let range):
            json.member("type", "integer")
            json.key("minimum")
            json.integer(range.lowerBound)
            json.key("maximum")
            json.integer(range.upperBound)
        case .real(let interval):
            json.member("type", "number")
            if let lower = interval.lower {
                json.key(interval.lowerClosed ? "minimum" : "exclusiveMinimum")
                json.number(lower)
            }
            if let upper = interval.upper {
                json.key(interval.upperClosed ? "maximum" : "exclusiveMaximum")
                json.number(upper)
            }
        }
        json.endObject()
    }

    /// The kinds of target a loss accepts: `class_indices`, `class_probabilities`, `values`.
    private static func targetKinds(_ target: TensorSpec?) -> [String] {
        switch target?.role {
        case .classIndices?: ["class_indices"]
        case .classIndicesOrProbabilities?: ["class_indices", "class_probabilities"]
        case .floating?: ["values"]
        case .lengths?, nil: []
        }
    }

    private static func strings(_ key: String, _ values: [String], to json: inout JSONWriter) {
        json.key(key)
        json.beginArray()
        for value in values { json.string(value) }
        json.endArray()
    }

    private static func write(_ value: OptionValue, to json: inout JSONWriter) {
        switch value {
        case .string(let s): json.string(s)
        case .int(let i): json.integer(i)
        case .double(let d): json.number(d)
        case .bool(let b): json.bool(b)
        }
    }
}
