/// Why a body is not a valid safetensors file: one case per rule of the reference reader
/// (huggingface/safetensors `SafeTensorError`, `read_metadata`, `Metadata::validate`), each
/// naming the tensor concerned where there is one.
public struct SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// Fewer than 8 bytes: no header length (`HeaderTooSmall`).
        case headerTooSmall
        /// The header length exceeds the configured cap (`HeaderTooLarge`).
        case headerTooLarge(length: UInt64, limit: Int)
        /// 8 + header length runs past the end of the body (`InvalidHeaderLength`).
        case invalidHeaderLength(length: UInt64, bodyLength: Int)
        /// The header is not a JSON object of tensor entries (`InvalidHeader`,
        /// `InvalidHeaderStart`, `InvalidHeaderDeserialization`); `detail` says why.
        case invalidHeader(detail: String)
        /// `__metadata__` is not an object of string values.
        case invalidMetadata(detail: String)
        /// A tensor entry lacks `dtype`, `shape` or `data_offsets`, or has the wrong types,
        /// negative sizes, or `begin > end`.
        case invalidTensorEntry(tensor: String, detail: String)
        /// A dtype lossd does not know (including sub-byte F4/F6 types).
        case unsupportedDType(tensor: String, dtype: String)
        /// Sorted by offset, the tensor does not start where the previous one ended: a gap or
        /// an overlap (`InvalidOffset`).
        case invalidOffset(tensor: String)
        /// Element count or byte size overflows (`ValidationOverflow`).
        case validationOverflow(tensor: String)
        /// `end - begin` is not `product(shape) * dtype size` (`TensorInvalidInfo`).
        case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
        /// The tensors do not cover the data buffer exactly (`MetadataIncompleteBuffer`).
        case incompleteBuffer(coveredBytes: Int, bufferBytes: Int)
    }

    /// What is wrong.
    public var kind: Kind

    /// Creates an error.
    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// The tensor the error concerns, if any (for a problem+json pointer such as `/input`).
    public var tensor: String? {
        switch kind {
        case .invalidTensorEntry(let t, _), .unsupportedDType(let t, _), .invalidOffset(let t),
            .validationOverflow(let t), .sizeMismatch(let t, _, _):
            t
        default: nil
        }
    }

    /// A one-line explanation for a problem+json `detail`.
    public var description: String {
        switch kind {
        case .headerTooSmall:
            "safetensors body shorter than its 8-byte header length"
        case .headerTooLarge(let length, let limit):
            "safetensors header of \(length) bytes exceeds the limit of \(limit)"
        case .invalidHeaderLength(let length, let bodyLength):
            "safetensors header length \(length) runs past the end of the \(bodyLength)-byte body"
        case .invalidHeader(let detail):
            "invalid safetensors header: \(detail)"
        case .invalidMetadata(let detail):
            "invalid safetensors __metadata__: \(detail)"
        case .invalidTensorEntry(let tensor, let detail):
            "safetensors tensor \"\(tensor)\": \(detail)"
        case .unsupportedDType(let tensor, let dtype):
            "safetensors tensor \"\(tensor)\" has unsupported dtype \(dtype)"
        case .invalidOffset(let tensor):
            "safetensors tensor \"\(tensor)\" does not start where the previous tensor ends (gap or overlap)"
        case .validationOverflow(let tensor):
            "safetensors tensor \"\(tensor)\" is too large (size overflows)"
        case .sizeMismatch(let tensor, let expected, let actual):
            "safetensors tensor \"\(tensor)\" spans \(actual) bytes but its dtype and shape need \(expected)"
        case .incompleteBuffer(let covered, let buffer):
            "safetensors tensors cover \(covered) bytes of a \(buffer)-byte data buffer"
        }
    }
}
