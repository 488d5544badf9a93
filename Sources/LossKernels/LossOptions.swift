/// One option of a loss: its wire name, default and domain. Losses declare theirs beside their
/// descriptor (`LossOption.labelSmoothing`, ...); `reduction`, `compat` and `dtype` belong to every loss.
public struct LossOption: Sendable, Equatable {
    /// The values an option may take.
    public enum Domain: Sendable, Equatable {
        /// One of these strings.
        case choice([String])
        /// true or false.
        case boolean
        /// A 64-bit integer within the range.
        case integer(ClosedRange<Int64>)
        /// A finite real number within the interval.
        case real(RealInterval)
    }

    /// Wire name, e.g. `label_smoothing`.
    public let name: String
    public let defaultValue: OptionValue
    public let domain: Domain
    /// One sentence.
    public let description: String

    public init(_ name: String, default defaultValue: OptionValue, _ domain: Domain, _ description: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.domain = domain
        self.description = description
    }

    /// The value in its canonical form (`.double` for reals, `.int` for integers), checked against
    /// the domain. JSON values must have the domain's type (an integer is a real too); `fromText`
    /// values (query strings) are strings read as the domain's type.
    ///
    /// - Throws: `LossError` of kind `.invalidOption` on this option.
    public func validated(_ value: OptionValue, fromText: Bool = false) throws(LossError) -> OptionValue {
        func bad(_ why: String) -> LossError { LossError(kind: .invalidOption, option: name, detail: why) }
        switch domain {
        case .choice(let words):
            guard case .string(let word) = value else { throw bad("\(name) must be a string: one of \(words.joined(separator: ", "))") }
            guard words.contains(word) else { throw bad("\(name) must be one of \(words.joined(separator: ", ")); got \(word)") }
            return value
        case .boolean:
            switch value {
            case .bool: return value
            case .string("true") where fromText, .string("1") where fromText: return .bool(true)
            case .string("false") where fromText, .string("0") where fromText: return .bool(false)
            default: throw bad("\(name) must be a boolean (true or false)")
            }
        case .integer(let range):
            let integer: Int64
            switch value {
            case .int(let i): integer = i
            case .string(let s) where fromText && Int64(s) != nil: integer = Int64(s)!
            default: throw bad("\(name) must be an integer")
            }
            guard range.contains(integer) else {
                throw bad("\(name) must be an integer in [\(range.lowerBound), \(range.upperBound)]; got \(integer)")
            }
            return .int(integer)
        case .real(let interval):
            let real: Double
            switch value {
            case .double(let d): real = d
            case .int(let i): real = Double(i)
            case .string(let s) where fromText && Double(s) != nil: real = Double(s)!
            default: throw bad("\(name) must be a number")
            }
            guard real.isFinite, interval.contains(real) else {
                throw bad("\(name) must be a finite number \(interval); got \(real)")
            }
            return .double(real)
        }
    }
}

/// A set of reals bounded below and/or above, each bound open or closed.
public struct RealInterval: Sendable, Equatable, CustomStringConvertible {
    public var lower: Double?
    public var lowerClosed: Bool
    public var upper: Double?
    public var upperClosed: Bool

    /// Every finite real.
    public static let all = RealInterval(lower: nil, lowerClosed: false, upper: nil, upperClosed: false)
    /// x >= bound.
    public static func atLeast(_ bound: Double) -> RealInterval { .init(lower: bound, lowerClosed: true, upper: nil, upperClosed: false) }
    /// x > bound.
    public static func above(_ bound: Double) -> RealInterval { .init(lower: bound, lowerClosed: false, upper: nil, upperClosed: false) }
    /// x <= bound.
    public static func atMost(_ bound: Double) -> RealInterval { .init(lower: nil, lowerClosed: false, upper: bound, upperClosed: true) }
    /// lower <= x <= upper.
    public static func closed(_ lower: Double, _ upper: Double) -> RealInterval {
        .init(lower: lower, lowerClosed: true, upper: upper, upperClosed: true)
    }

    public func contains(_ x: Double) -> Bool {
        if let lower, lowerClosed ? x < lower : x <= lower { return false }
        if let upper, upperClosed ? x > upper : x >= upper { return false }
        return true
    }

    /// ">= 0", "> 0", "<= 1", "in [0, 1]" or "" for every real.
    public var description: String {
        switch (lower, upper) {
        case (let l?, let u?): return "in \(lowerClosed ? "[" : "(")\(l), \(u)\(upperClosed ? "]" : ")")"
        case (let l?, nil): return (lowerClosed ? ">= " : "> ") + "\(l)"
        case (nil, let u?): return (upperClosed ? "<= " : "< ") + "\(u)"
        case (nil, nil): return ""
        }
    }
}

/// An option value as it arrives on the wire (query string or JSON).
public enum OptionValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

extension LossOption {
    /// `reduction`, with the reductions the loss accepts.
    static func reduction(among reductions: [Reduction]) -> LossOption {
        LossOption("reduction", default: .string(Reduction.mean.rawValue), .choice(reductions.map(\.rawValue)),
                   reductions.map(\.rawValue).joined(separator: ", "))
    }

    public static let compat = LossOption(
        "compat", default: .string(CompatMode.safe.rawValue), .choice(CompatMode.allCases.map(\.rawValue)),
        "safe: zero value and gradient for ignored positions and empty means; pytorch: PyTorch's NaNs")
    public static let dtype = LossOption(
        "dtype", default: .string(DType.float32.rawValue), .choice(DType.allCases.map(\.rawValue)),
        "float32 or float64 computation and answer")

    /// The options every loss has.
    static func common(reductions: [Reduction]) -> [LossOption] { [.reduction(among: reductions), .compat, .dtype] }
}

/// The option values of a job. `reduction`, `compat` and `dtype` (every loss has them) are
/// fields; a loss reads its own options by their `LossOption`, which supplies the default.
public struct LossOptions: Sendable, Equatable {
    /// `reduction`. Default mean.
    public var reduction: Reduction = .mean
    /// `compat`: safe | pytorch. Default safe.
    public var compat: CompatMode = .safe
    /// `dtype`: float32 | float64, the type the job is computed and answered in. Default float32.
    public var dtype: DType = .float32
    /// Values set for the loss's own options, by name, in canonical form.
    private var values: [String: OptionValue] = [:]

    /// All defaults.
    public init() {}

    /// The value of `option`: the one set, else its default.
    public func value(_ option: LossOption) -> OptionValue { values[option.name] ?? option.defaultValue }

    /// A real option's value.
    public func real(_ option: LossOption) -> Double {
        switch value(option) {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .string, .bool: preconditionFailure("\(option.name) is not a real option")
        }
    }

    /// An integer option's value.
    public func integer(_ option: LossOption) -> Int64 {
        guard case .int(let i) = value(option) else { preconditionFailure("\(option.name) is not an integer option") }
        return i
    }

    /// A boolean option's value.
    public func boolean(_ option: LossOption) -> Bool {
        guard case .bool(let b) = value(option) else { preconditionFailure("\(option.name) is not a boolean option") }
        return b
    }

    /// A choice option's value.
    public func choice(_ option: LossOption) -> String {
        guard case .string(let s) = value(option) else { preconditionFailure("\(option.name) is not a choice option") }
        return s
    }

    /// Sets `option` after checking `value` against its domain (see `LossOption.validated`).
    ///
    /// - Throws: `LossError` of kind `.invalidOption` on the option.
    public mutating func set(_ option: LossOption, to value: OptionValue, fromText: Bool = false) throws(LossError) {
        let checked = try option.validated(value, fromText: fromText)
        switch (option.name, checked) {
        case ("reduction", .string(let s)): reduction = Reduction(rawValue: s)!
        case ("compat", .string(let s)): compat = CompatMode(rawValue: s)!
        case ("dtype", .string(let s)): dtype = DType(rawValue: s)!
        default: values[option.name] = checked
        }
    }

    /// Sets the option called `name` of `loss`.
    ///
    /// - Throws: `LossError` of kind `.invalidOption` when the loss has no such option or the
    ///   value is outside its domain.
    public mutating func set(_ name: String, to value: OptionValue, for loss: LossName, fromText: Bool = false)
        throws(LossError)
    {
        let descriptor = Loss.descriptor(loss)
        guard let option = descriptor.option(name) else {
            throw LossError(
                kind: .invalidOption, option: name,
                detail: "\(loss) has no option \"\(name)\"; its options are "
                    + descriptor.options.map(\.name).joined(separator: ", "))
        }
        try set(option, to: value, fromText: fromText)
    }
}
