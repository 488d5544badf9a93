/// A problem with a job's tensors or options, reported as a value (never a trap).
///
/// `subject` names the offending tensor (by its wire name: `input`, `target`, `grad_output`, ...)
/// or option; the API turns it into a pointer into the request it came from. For element
/// problems `flatIndex` is the row-major index of the first offender and `index` its
/// multi-dimensional index in that tensor's shape.
public struct LossError: Error, Sendable, Equatable {
    /// The category, which the API maps to a stable error code.
    public enum Kind: String, Sendable, Equatable {
        /// SHAPE_MISMATCH: shapes that do not fit together.
        case shapeMismatch
        /// TARGET_OUT_OF_RANGE: a class index outside [0, C) that is not ignore_index.
        case targetOutOfRange
        /// INVALID_TENSOR: wrong element type, value outside the loss's domain, storage/shape disagreement.
        case invalidTensor
        /// INVALID_OPTION: an unknown option or a value outside its domain.
        case invalidOption
    }

    /// What an error is about.
    public enum Subject: Sendable, Equatable {
        /// A tensor of the job, by wire name.
        case tensor(String)
        /// An option of the job, by wire name.
        case option(String)
    }

    public var kind: Kind
    public var subject: Subject
    public var flatIndex: Int?
    public var index: [Int]?
    public var detail: String

    /// An error about the tensor called `field`.
    public init(kind: Kind, field: String, flatIndex: Int? = nil, index: [Int]? = nil, detail: String) {
        self.init(kind: kind, subject: .tensor(field), flatIndex: flatIndex, index: index, detail: detail)
    }

    /// An error about the option called `option`.
    public init(kind: Kind, option: String, detail: String) {
        self.init(kind: kind, subject: .option(option), detail: detail)
    }

    public init(kind: Kind, subject: Subject, flatIndex: Int? = nil, index: [Int]? = nil, detail: String) {
        self.kind = kind
        self.subject = subject
        self.flatIndex = flatIndex
        self.index = index
        self.detail = detail
    }

    /// An element error whose multi-dimensional index is derived from `flatIndex` and `shape`.
    static func element(_ kind: Kind, _ field: String, flat: Int, shape: [Int], _ detail: String) -> LossError {
        LossError(kind: kind, field: field, flatIndex: flat, index: unravel(flat, shape: shape), detail: detail)
    }
}

/// The row-major multi-dimensional index of `flat` in `shape`.
func unravel(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat
    var out = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        out[d] = rest % shape[d]
        rest /= shape[d]
    }
    return out
}
