/// What a job revealed about its inputs, computed in the same passes as the loss.
///
/// Every section is an ordered list of key/value pairs so the API can write it as a JSON object
/// in a stable order.
///
/// - `counts`: `elements`, `rows`, `classes`, `counted`, `ignored`, `nan`, `pos_inf`, `neg_inf`,
///   `fully_masked_rows` (the ones that apply to the loss).
/// - `stats`: `loss_min`, `loss_max`, `loss_mean` (per counted sample), `accuracy`,
///   `mean_confidence`, `mean_entropy`, `perplexity` (classification), `logit_min`, `logit_max`
///   (or `input_min`/`input_max`), `grad_l2_norm`, `grad_max_abs`. A statistic over an empty set
///   is left out.
/// - `warnings`: the API.md codes that fired.
/// - `pytorch`: where `compat` is safe and PyTorch would have answered differently: `value`
///   (PyTorch's value, possibly NaN), `grad_nan_elements`, `grad_nan_rows` (first few row
///   indices). Empty when both agree.
public struct Diagnostics: Sendable, Equatable {
    public var counts: [Entry] = []
    public var stats: [Entry] = []
    public var warnings: [LossWarning] = []
    public var pytorch: [Entry] = []

    public init() {}

    /// One key/value pair.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: DiagnosticValue
        public init(_ key: String, _ value: DiagnosticValue) {
            self.key = key
            self.value = value
        }
    }

    /// The count named `key`, if present.
    public func count(_ key: String) -> Int? {
        for e in counts where e.key == key { if case .int(let v) = e.value { return v } }
        return nil
    }

    /// The statistic named `key`, if present.
    public func stat(_ key: String) -> Double? {
        for e in stats where e.key == key { if case .double(let v) = e.value { return v } }
        return nil
    }

    /// The warning with `code`, if it fired.
    public func warning(_ code: String) -> LossWarning? { warnings.first { $0.code == code } }

    /// The warning of `code`, if it fired.
    public func warning(_ code: WarningCode) -> LossWarning? { warning(code.code) }
}

/// A diagnostic value: a number, a string or a list of indices.
public enum DiagnosticValue: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case indices([Int])
    /// One number per item (per-sequence statistics); NaN where an item has nothing to average.
    case reals([Double])
}

/// A numerical trap found in the job (codes and meanings in shared/API.md).
public struct LossWarning: Sendable, Equatable {
    /// Stable code, e.g. `IGNORED_ROW_NONFINITE`.
    public var code: String
    /// One sentence for a human.
    public var message: String
    /// How many positions (rows or elements) triggered it.
    public var count: Int
    /// The first few of them (flat indices of positions: rows of (N, d1..dk) for class losses,
    /// elements of the input otherwise).
    public var examples: [Int]

    /// A warning of `code` at `count` positions, the first few of which are `examples`.
    public init(_ code: WarningCode, count: Int, examples: [Int]) {
        self.init(code: code.code, message: code.message, count: count, examples: examples)
    }

    /// A warning of `code` about the tensor called `tensor` (its message names it).
    public init(_ code: WarningCode, about tensor: String, count: Int, examples: [Int]) {
        self.init(code: code.code, message: tensor + " " + code.message, count: count, examples: examples)
    }

    public init(code: String, message: String, count: Int, examples: [Int]) {
        self.code = code
        self.message = message
        self.count = count
        self.examples = examples
    }
}
