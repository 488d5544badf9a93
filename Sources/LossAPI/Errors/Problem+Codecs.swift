import LossKernels
import TensorCodecs

extension JSONParseError: ProblemConvertible {
    /// MALFORMED_JSON (400) at the pointer of the value being read, with the byte offset; a
    /// document over the value budget is BODY_TOO_LARGE (413) instead.
    public var problem: Problem {
        if case .tooManyValues = kind {
            return Problem(.bodyTooLarge, "The JSON body holds \(description); send large tensors as safetensors.",
                           pointer: pointer)
        }
        return Problem(.malformedJSON, "Malformed JSON: \(description)", pointer: pointer)
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
        switch error.subject {
        case .option(let name):
            pointer = JSONPointer.appending(optionsPointer, key: name)
        case .tensor(let name):
            if let source = sources[name] {
                pointer = source.pointer(index: error.index, flatIndex: error.flatIndex)
            } else {
                // A tensor the request did not carry: named where it would have been.
                pointer = JSONPointer.appending(base, key: name)
            }
        }
        return Problem(code, error.detail, pointer: pointer)
    }
}
