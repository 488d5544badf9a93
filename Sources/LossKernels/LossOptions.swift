/// Every option a job may carry, with PyTorch's defaults. A loss reads only the options it
/// lists in `Loss.catalogue`; the API rejects the others with `LossOptions.set(_:to:)`.
public struct LossOptions: Sendable, Equatable {
    /// `reduction`: none | mean | sum | batchmean (kl_div only). Default mean.
    public var reduction: Reduction = .mean
    /// `ignore_index` (cross_entropy, nll_loss): targets equal to it are dropped. Default -100.
    public var ignoreIndex: Int64 = -100
    /// `label_smoothing` in [0, 1] (cross_entropy). Default 0.
    public var labelSmoothing: Double = 0
    /// `temperature` > 0 (cross_entropy, lossd extra): logits are divided by it first. Default 1.
    public var temperature: Double = 1
    /// `z_loss` >= 0 (cross_entropy, lossd extra): coefficient of logsumexp^2. Default 0.
    public var zLoss: Double = 0
    /// `beta` >= 0 (smooth_l1_loss). Default 1.
    public var beta: Double = 1
    /// `delta` > 0 (huber_loss). Default 1.
    public var delta: Double = 1
    /// `alpha` (sigmoid_focal_loss; negative disables the class balance). Default 0.25.
    public var alpha: Double = 0.25
    /// `gamma` >= 0 (sigmoid_focal_loss). Default 2.
    public var gamma: Double = 2
    /// `log_target` (kl_div): the target is given as log-probabilities. Default false.
    public var logTarget: Bool = false
    /// `compat`: safe | pytorch. Default safe.
    public var compat: CompatMode = .safe
    /// `dtype`: float32 | float64, the type the job is computed and answered in. Default float32.
    public var dtype: DType = .float32

    /// All defaults.
    public init() {}
}

/// An option value as it arrives on the wire (query string or JSON).
public enum OptionValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

extension LossOptions {
    /// Sets the option with wire name `name` (e.g. `"label_smoothing"`), validating its type and
    /// domain. Integers are accepted for floating options; `"true"`/`"false"` and numeric
    /// strings are accepted so that query-string values can be passed through unchanged.
    ///
    /// - Throws: `LossError` of kind `.invalidOption` with field `options/<name>`.
    public mutating func set(_ name: String, to value: OptionValue) throws(LossError) {
        let field = "options/" + name
        func bad(_ why: String) -> LossError { LossError(kind: .invalidOption, field: field, detail: why) }
        func number() throws(LossError) -> Double {
            switch value {
            case .double(let d): return d
            case .int(let i): return Double(i)
            case .string(let s): if let d = Double(s) { return d }
            case .bool: break
            }
            throw bad("\(name) must be a number")
        }
        func finite(_ test: (Double) -> Bool, _ rule: String) throws(LossError) -> Double {
            let d = try number()
            guard d.isFinite, test(d) else { throw bad("\(name) must be \(rule), got \(d)") }
            return d
        }
        func word() throws(LossError) -> String {
            if case .string(let s) = value { return s }
            throw bad("\(name) must be a string")
        }
        switch name {
        case "reduction":
            guard let r = Reduction(rawValue: try word()) else { throw bad("reduction must be none, mean, sum or batchmean") }
            reduction = r
        case "ignore_index":
            switch value {
            case .int(let i): ignoreIndex = i
            case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: ignoreIndex = Int64(d)
            case .string(let s) where Int64(s) != nil: ignoreIndex = Int64(s)!
            default: throw bad("ignore_index must be an integer")
            }
        case "label_smoothing": labelSmoothing = try finite({ $0 >= 0 && $0 <= 1 }, "between 0.0 and 1.0")
        case "temperature": temperature = try finite({ $0 > 0 }, "a positive finite number")
        case "z_loss": zLoss = try finite({ $0 >= 0 }, "a non-negative finite number")
        case "beta": beta = try finite({ $0 >= 0 }, "non-negative (smooth_l1_loss does not support negative values for beta)")
        case "delta": delta = try finite({ $0 > 0 }, "positive (huber_loss does not support non-positive values for delta)")
        case "alpha": alpha = try finite({ $0 <= 1 }, "at most 1 (negative disables it)")
        case "gamma": gamma = try finite({ $0 >= 0 }, "non-negative")
        case "log_target":
            switch value {
            case .bool(let b): logTarget = b
            case .string("true"), .string("1"): logTarget = true
            case .string("false"), .string("0"): logTarget = false
            default: throw bad("log_target must be a boolean")
            }
        case "compat":
            guard let c = CompatMode(rawValue: try word()) else { throw bad("compat must be safe or pytorch") }
            compat = c
        case "dtype":
            guard let d = DType(rawValue: try word()) else { throw bad("dtype must be float32 or float64") }
            dtype = d
        default:
            throw bad("unknown option \(name)")
        }
    }
}
