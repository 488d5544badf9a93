import LossKernels

/// The body of `GET /v1/losses`, built once from `Loss.catalogue`:
/// `{"losses":[{"name", "description", "targets", "reductions", "weight", "pos_weight",
/// "options":[{"name", "default", "description"}]}]}`.
enum CatalogueDocument {
    static let bytes: [UInt8] = {
        var json = JSONWriter.reserving(8192)
        json.beginObject()
        json.key("losses")
        json.beginArray()
        for loss in Loss.catalogue {
            json.beginObject()
            json.member("name", loss.name.rawValue)
            json.member("description", loss.summary)
            json.key("targets")
            json.beginArray()
            for kind in loss.targetKinds { json.string(kind) }
            json.endArray()
            json.key("reductions")
            json.beginArray()
            for reduction in loss.reductions { json.string(reduction.rawValue) }
            json.endArray()
            json.member("weight", loss.acceptsWeight)
            json.member("pos_weight", loss.acceptsPosWeight)
            json.key("options")
            json.beginArray()
            for option in loss.options {
                json.beginObject()
                json.member("name", option.name)
                json.key("default")
                write(option.defaultValue, to: &json)
                json.member("description", option.description)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }()

    private static func write(_ value: OptionValue, to json: inout JSONWriter) {
        switch value {
        case .string(let s): json.string(s)
        case .int(let i): json.integer(i)
        case .double(let d): json.number(d)
        case .bool(let b): json.bool(b)
        }
    }
}
