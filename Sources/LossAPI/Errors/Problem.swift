/// An RFC 9457 problem: the one error type that every failure of the lossd API becomes before
/// it reaches the wire.
///
/// `code` fixes the status and title; `detail` explains this occurrence; `errors` points at the
/// offending parts of the request with JSON pointers (RFC 6901), e.g. `/target/3`.
public struct Problem: Error, Sendable {
    /// One offending element of the request.
    public struct FieldError: Sendable, Equatable {
        /// An RFC 6901 JSON pointer into the request document (for a safetensors or binary body:
        /// the tensor name, `/input`, plus the element index).
        public var pointer: String
        /// What is wrong there.
        public var detail: String

        /// A field error at `pointer`.
        public init(pointer: String, detail: String) {
            self.pointer = pointer
            self.detail = detail
        }
    }

    /// The stable code (which fixes status and title).
    public var code: ProblemCode
    /// A human-readable explanation of this occurrence.
    public var detail: String
    /// The offending elements, most specific first.
    public var errors: [FieldError]
    /// Extra response header fields that belong to this problem (`Allow` on 405,
    /// `Retry-After` on 503, `WWW-Authenticate` on 401, `Accept-Encoding` on 415).
    public var headers: [(name: String, value: String)]

    /// A problem with `code`, explained by `detail`, optionally pointing at one element.
    public init(
        _ code: ProblemCode, _ detail: String, pointer: String? = nil,
        headers: [(name: String, value: String)] = []
    ) {
        self.code = code
        self.detail = detail
        self.errors = pointer.map { [FieldError(pointer: $0, detail: detail)] } ?? []
        self.headers = headers
    }

    /// The HTTP status of the problem.
    public var status: Int { code.status }

    /// The same problem with every pointer placed under `prefix` (a batch job's
    /// `/jobs/3`, an OIP input's `/inputs/0/data`).
    public func prefixingPointers(with prefix: String) -> Problem {
        var copy = self
        copy.errors = errors.map { FieldError(pointer: prefix + $0.pointer, detail: $0.detail) }
        return copy
    }
}

/// An error that knows which problem it is (the style of Hummingbird's `HTTPResponseError`).
/// Errors of the codecs and kernels conform in extensions, so that one renderer maps them all.
public protocol ProblemConvertible: Error {
    /// The problem this error is answered with.
    var problem: Problem { get }
}

extension Problem: ProblemConvertible {
    public var problem: Problem { self }
}

extension Problem {
    /// The problem for any error: its own when it knows it, else a generic 500 whose body says
    /// nothing about the cause (the cause belongs in the log only).
    public init(from error: any Error) {
        if let convertible = error as? any ProblemConvertible {
            self = convertible.problem
        } else {
            self = Problem(.internalError, "The server failed to answer this request.")
        }
    }
}
