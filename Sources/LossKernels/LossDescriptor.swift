/// A loss as listed by `GET /v1/losses`: its options with defaults and the targets it accepts.
public struct LossDescriptor: Sendable {
    /// One accepted option.
    public struct Option: Sendable {
        /// Wire name, e.g. `label_smoothing`.
        public var name: String
        /// Default value.
        public var defaultValue: OptionValue
        /// One sentence.
        public var description: String
    }

    public var name: LossName
    /// One sentence on what the loss computes.
    public var summary: String
    /// Options the loss reads (`reduction`, `compat` and `dtype` are accepted by every loss).
    public var options: [Option]
    /// Accepted reductions.
    public var reductions: [Reduction]
    /// Accepted target kinds: `class_indices` (int64), `class_probabilities`, `values`.
    public var targetKinds: [String]
    /// Whether `weight` / `pos_weight` tensors are accepted.
    public var acceptsWeight: Bool
    public var acceptsPosWeight: Bool

    /// Whether `name` is one of `options`.
    public func accepts(option name: String) -> Bool { options.contains { $0.name == name } }
}

extension Loss {
    private static let common: [LossDescriptor.Option] = [
        .init(name: "reduction", defaultValue: .string("mean"), description: "none, mean or sum"),
        .init(name: "compat", defaultValue: .string("safe"),
              description: "safe: zero value and gradient for ignored positions and empty means; pytorch: PyTorch's NaNs"),
        .init(name: "dtype", defaultValue: .string("float32"), description: "float32 or float64 computation and answer"),
    ]
    private static let ignoreIndex = LossDescriptor.Option(
        name: "ignore_index", defaultValue: .int(-100), description: "target value that is dropped from the loss and the mean")
    private static let standard: [Reduction] = [.none, .mean, .sum]

    /// Every loss with its options, in `LossName.allCases` order.
    public static let catalogue: [LossDescriptor] = [
        LossDescriptor(
            name: .crossEntropy, summary: "softmax cross entropy over dim 1 (PyTorch), with temperature and z-loss",
            options: common + [
                ignoreIndex,
                .init(name: "label_smoothing", defaultValue: .double(0), description: "epsilon in [0, 1]"),
                .init(name: "temperature", defaultValue: .double(1), description: "logits are divided by T > 0 first"),
                .init(name: "z_loss", defaultValue: .double(0), description: "adds coef * logsumexp^2 per counted sample"),
            ], reductions: standard, targetKinds: ["class_indices", "class_probabilities"],
            acceptsWeight: true, acceptsPosWeight: false),
        LossDescriptor(
            name: .nllLoss, summary: "negative log likelihood of log-probabilities", options: common + [ignoreIndex],
            reductions: standard, targetKinds: ["class_indices"], acceptsWeight: true, acceptsPosWeight: false),
        LossDescriptor(
            name: .binaryCrossEntropy, summary: "binary cross entropy of probabilities in [0, 1], log clamped at -100",
            options: common, reductions: standard, targetKinds: ["values"], acceptsWeight: true, acceptsPosWeight: false),
        LossDescriptor(
            name: .binaryCrossEntropyWithLogits, summary: "binary cross entropy of logits (log-sigmoid form)",
            options: common, reductions: standard, targetKinds: ["values"], acceptsWeight: true, acceptsPosWeight: true),
        LossDescriptor(
            name: .klDiv, summary: "Kullback-Leibler divergence; input is log q",
            options: common + [.init(name: "log_target", defaultValue: .bool(false), description: "target given as log p")],
            reductions: [.none, .mean, .sum, .batchmean], targetKinds: ["values"], acceptsWeight: false,
            acceptsPosWeight: false),
        LossDescriptor(
            name: .mseLoss, summary: "squared error", options: common, reductions: standard, targetKinds: ["values"],
            acceptsWeight: false, acceptsPosWeight: false),
        LossDescriptor(
            name: .l1Loss, summary: "absolute error", options: common, reductions: standard, targetKinds: ["values"],
            acceptsWeight: false, acceptsPosWeight: false),
        LossDescriptor(
            name: .smoothL1Loss, summary: "quadratic below beta, linear above (beta = 0 is l1_loss)",
            options: common + [.init(name: "beta", defaultValue: .double(1), description: "threshold >= 0")],
            reductions: standard, targetKinds: ["values"], acceptsWeight: false, acceptsPosWeight: false),
        LossDescriptor(
            name: .huberLoss, summary: "quadratic below delta, delta-scaled linear above",
            options: common + [.init(name: "delta", defaultValue: .double(1), description: "threshold > 0")],
            reductions: standard, targetKinds: ["values"], acceptsWeight: false, acceptsPosWeight: false),
        LossDescriptor(
            name: .sigmoidFocalLoss, summary: "torchvision.ops.sigmoid_focal_loss of logits",
            options: common + [
                .init(name: "alpha", defaultValue: .double(0.25), description: "positive-class balance; negative disables"),
                .init(name: "gamma", defaultValue: .double(2), description: "focusing exponent >= 0"),
            ], reductions: standard, targetKinds: ["values"], acceptsWeight: false, acceptsPosWeight: false),
    ]

    /// The descriptor of `name`.
    public static func descriptor(_ name: LossName) -> LossDescriptor {
        catalogue.first { $0.name == name }!
    }
}
