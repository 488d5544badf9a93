import LossKernels

extension JSONParseError: ProblemConvertible {
    /// MALFORMED_JSON (400) at the pointer of the value being read, with the byte offset.
    public var problem: Problem {
        Problem(.malformedJSON, "Malformed JSON: \(description)", pointer: pointer)
    }
}

extension DecodedJob {
    /// The problem for a kernel error, pointing at the element in the request as it was sent.
    func problem(for error: LossError) -> Problem {
        let code: ProblemCode
        switch error.kind {
        case .shapeMismatch: code = .shapeMismatch
        case .targetOutOfRange: code = .targetOutOfRange
        case .invalidTensor: code = .invalidTensor
        case .invalidOption: code = .invalidOption
        }
        let pointer: String
        if error.field.hasPrefix("options/") {
            pointer = JSONPointer.appending(optionsPointer, key: String(error.field.dropFirst("options/".count)))
        } else if let source = sources[error.field] {
            pointer = source.pointer(index: error.index, flatIndex: error.flatIndex)
        } else {
            pointer = sources["input"].map { String($0.pointer.dropLast("input".count)) + error.field } ?? "/" + error.field
        }
        return Problem(code, error.detail, pointer: pointer)
    }
}
