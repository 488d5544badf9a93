import LossKernels

/// One small valid job per loss, shown as the example of its compute operation and, turned into
/// OIP inputs, of its infer operation. The e2e contract test sends every example and expects a
/// 200; a loss without an entry here has no example.
extension OpenAPISpec {
    static let examples: [String: YAMLValue] = [
        "cross_entropy": ["input": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], "target": [0, 2], "options": ["label_smoothing": 0.1]],
        "nll_loss": ["input": [[-0.35667494, -1.6094379, -2.3025851], [-2.3025851, -0.22314355, -2.3025851]], "target": [0, 1]],
        "binary_cross_entropy": ["input": [0.8, 0.2, 0.6], "target": [1.0, 0.0, 1.0]],
        "binary_cross_entropy_with_logits": ["input": [1.5, -0.3, 0.2], "target": [1.0, 0.0, 1.0]],
        "kl_div": ["input": [[-1.2, -0.9, -1.2]], "target": [[0.3, 0.4, 0.3]], "options": ["reduction": "batchmean"]],
        "mse_loss": ["input": [0.5, 2.0, -1.0], "target": [1.0, 1.5, -1.0]],
        "l1_loss": ["input": [0.5, 2.0, -1.0], "target": [1.0, 1.5, -1.0]],
        "smooth_l1_loss": ["input": [0.5, 2.0, -1.0], "target": [1.0, 1.5, -1.0], "options": ["beta": 0.5]],
        "huber_loss": ["input": [0.5, 2.0, -1.0], "target": [1.0, 1.5, -1.0], "options": ["delta": 1.0]],
        "sigmoid_focal_loss": ["input": [1.5, -0.3], "target": [1.0, 0.0]],
        "hinge_embedding_loss": ["input": [0.3, 1.2, 0.8], "target": [1.0, -1.0, 1.0]],
        "soft_margin_loss": ["input": [0.3, -1.2], "target": [1.0, -1.0]],
        "multilabel_soft_margin_loss": ["input": [[0.3, -1.2, 2.0]], "target": [[1.0, 0.0, 1.0]]],
        "multilabel_margin_loss": ["input": [[0.1, 0.2, 0.4, 0.8]], "target": [[3, 0, -1, 1]]],
        "multi_margin_loss": ["input": [[0.1, 0.2, 0.4, 0.8]], "target": [3]],
        "cosine_embedding_loss": ["input1": [[1.0, 0.0], [0.5, 0.5]], "input2": [[0.5, 0.5], [1.0, -1.0]], "target": [1.0, -1.0]],
        "triplet_margin_loss": ["anchor": [[1.0, 0.0]], "positive": [[0.9, 0.1]], "negative": [[0.0, 1.0]]],
        "triplet_margin_with_distance_loss": ["anchor": [[1.0, 0.0]], "positive": [[0.9, 0.1]], "negative": [[0.0, 1.0]],
                                              "options": ["distance": "cosine"]],
        "ctc_loss": [
            "log_probs": [[[-1.0986123, -1.0986123, -1.0986123], [-1.0986123, -1.0986123, -1.0986123]], [[-1.0986123, -1.0986123, -1.0986123], [-1.0986123, -1.0986123, -1.0986123]],
                          [[-1.0986123, -1.0986123, -1.0986123], [-1.0986123, -1.0986123, -1.0986123]], [[-1.0986123, -1.0986123, -1.0986123], [-1.0986123, -1.0986123, -1.0986123]]],
            "targets": [[1, 2], [1, 1]], "input_lengths": [4, 4], "target_lengths": [2, 2],
        ],
        "poisson_nll_loss": ["input": [0.5, 1.0], "target": [1.0, 2.0]],
        "gaussian_nll_loss": ["input": [0.5, 1.0], "target": [1.0, 2.0], "var": [0.5, 0.5]],
        "margin_ranking_loss": ["input1": [0.5, 1.0], "input2": [1.0, 0.2], "target": [1.0, -1.0]],
    ]

    /// The examples as OIP inference requests: each tensor an input with its shape, FP32 or
    /// INT64 by its role and flat data; the options as parameters.
    static var inferExamples: [String: YAMLValue] {
        var out: [String: YAMLValue] = [:]
        for loss in Loss.catalogue {
            guard case .mapping(let members)? = examples[loss.name.rawValue] else { continue }
            var inputs: [YAMLValue] = []
            var request: [(String, YAMLValue)] = []
            for (name, value) in members {
                guard let spec = loss.tensor(name) else {
                    request.append(("parameters", value))
                    continue
                }
                inputs.append([
                    "name": .string(name),
                    "shape": .list(shape(of: value).map { .integer(Int64($0)) }),
                    "datatype": spec.role == .floating ? "FP32" : "INT64",
                    "data": .list(flattened(value)),
                ])
            }
            out[loss.name.rawValue] = .mapping([("inputs", .list(inputs))] + request.map { ($0.0, $0.1) })
        }
        return out
    }

    private static func shape(of value: YAMLValue) -> [Int] {
        guard case .list(let items) = value else { return [] }
        return [items.count] + (items.first.map(shape(of:)) ?? [])
    }

    private static func flattened(_ value: YAMLValue) -> [YAMLValue] {
        guard case .list(let items) = value else { return [value] }
        return items.flatMap(flattened)
    }
}
