import HTTPServer
import LossAPI

/// What the harness knows about one loss, read from the service's own `GET /v1/losses`, so that
/// a loss added to the catalogue is fuzzed without touching the harness.
struct LossInfo: Sendable {
    /// One tensor of the loss (`tensors[]` of the catalogue).
    struct TensorInfo: Sendable {
        var name: String
        /// `floating`, `class_indices`, `class_indices_or_probabilities`, `lengths`, or a role the
        /// harness does not know yet (treated as floating).
        var role: String
        var required: Bool
        var isInteger: Bool { role == "class_indices" || role == "class_indices_or_probabilities" || role == "lengths" }
    }

    /// One option (`options[]` of the catalogue).
    struct OptionInfo: Sendable {
        var name: String
        /// `string`, `boolean`, `integer` or `number`.
        var type: String
        /// The default, as the catalogue writes it.
        var defaultValue: MiniJSON
        /// Values at and around the domain's edges (`minimum`, `exclusiveMaximum`, ...) and the
        /// `enum` words: the interesting values for this option.
        var edges: [MiniJSON]
    }

    var name: String
    var tensors: [TensorInfo]
    var options: [OptionInfo]
}

enum Catalogue {
    /// The losses of `GET /v1/losses` as `service` answers it.
    ///
    /// - Precondition: the catalogue answers 200 with the documented shape (a harness that
    ///   cannot read it would fuzz nothing, so it stops at once).
    static func read(from service: LossService) -> [LossInfo] {
        let response = service.handle(Request(method: "GET", target: "/v1/losses"))
        guard response.status == 200, let document = MiniJSON.parse(response.body), let losses = document["losses"]?.arrayValue
        else { fatalError("GET /v1/losses did not answer a readable catalogue (status \(response.status))") }
        return losses.compactMap { loss -> LossInfo? in
            guard let name = loss["name"]?.stringValue else { return nil }
            let tensors = (loss["tensors"]?.arrayValue ?? []).compactMap { tensor -> LossInfo.TensorInfo? in
                guard let tensorName = tensor["name"]?.stringValue else { return nil }
                return .init(name: tensorName, role: tensor["role"]?.stringValue ?? "floating",
                             required: tensor["required"] == .bool(true))
            }
            let options = (loss["options"]?.arrayValue ?? []).compactMap { option -> LossInfo.OptionInfo? in
                guard let optionName = option["name"]?.stringValue else { return nil }
                var edges: [MiniJSON] = option["enum"]?.arrayValue ?? []
                for bound in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
                    guard case .number(let text)? = option[bound] else { continue }
                    edges += [.number(text), .number("-" + text), .number(text + "1"), .number(text + "e1")]
                }
                return .init(name: optionName, type: option["type"]?.stringValue ?? "string",
                             defaultValue: option["default"] ?? .null, edges: edges)
            }
            return LossInfo(name: name, tensors: tensors, options: options)
        }
    }
}
