import LossKernels
import TensorCodecs

/// A job's answer as JSON (API.md "A result"): `loss`, `dtype`, then the outputs asked for;
/// the value in the form the input was sent, each gradient (`grad`, `grad_NAME`) in the form
/// its tensor was sent.
enum ResultDocument {
    /// Writes the result of `decoded` as one object value into `json`.
    static func write(_ result: LossResult, of decoded: DecodedJob, to json: inout JSONWriter) {
        json.beginObject()
        json.member("loss", decoded.job.name.rawValue)
        json.member("dtype", decoded.job.options.dtype.rawValue)
        if decoded.outputs.contains(.value) {
            json.key("value")
            json.tensor(result.value, layout: result.value.shape.isEmpty ? .nested : decoded.inputLayout)
        }
        if decoded.outputs.contains(.grad) {
            for gradient in decoded.wireGradients(result) {
                json.key(gradient.name)
                json.tensor(gradient.tensor, layout: gradient.layout)
            }
        }
        if decoded.outputs.contains(.diagnostics) {
            json.key("diagnostics")
            write(result.diagnostics, to: &json)
        }
        json.endObject()
    }

    /// `diagnostics` as `{"counts", "stats", "warnings", "pytorch"}`.
    static func write(_ diagnostics: Diagnostics, to json: inout JSONWriter) {
        json.beginObject()
        json.key("counts")
        write(diagnostics.counts, to: &json)
        json.key("stats")
        write(diagnostics.stats, to: &json)
        json.key("warnings")
        json.beginArray()
        for warning in diagnostics.warnings {
            json.beginObject()
            json.member("code", warning.code)
            json.member("message", warning.message)
            json.member("count", warning.count)
            json.key("examples")
            json.beginArray()
            for example in warning.examples { json.integer(Int64(example)) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.key("pytorch")
        write(diagnostics.pytorch, to: &json)
        json.endObject()
    }

    private static func write(_ entries: [Diagnostics.Entry], to json: inout JSONWriter) {
        json.beginObject()
        for entry in entries {
            json.key(entry.key)
            switch entry.value {
            case .int(let i): json.integer(Int64(i))
            case .double(let d): json.number(d)
            case .string(let s): json.string(s)
            case .indices(let indices):
                json.beginArray()
                for index in indices { json.integer(Int64(index)) }
                json.endArray()
            case .reals(let values):
                json.beginArray()
                for value in values { json.number(value) }
                json.endArray()
            }
        }
        json.endObject()
    }
}
