import LossKernels
import TensorCodecs

/// A tensor as it arrived, before it is converted to the job's dtype: the values as doubles,
/// the declared element type (if the client named one) and where it sits in the request, so
/// that errors point at the exact element and the answer is written in the same form.
struct WireTensor {
    /// The element type a client may declare (`"dtype"` of the shape/data form, a safetensors
    /// or OIP datatype).
    enum ElementType: String, CaseIterable {
        case float16, bfloat16, float32, float64, int64, int32, uint8

        var isFloatingPoint: Bool { self == .float16 || self == .bfloat16 || self == .float32 || self == .float64 }
    }

    /// The elements as they arrived.
    enum Values {
        /// Parsed from JSON: each value the correctly rounded double of its spelling.
        case numbers(NumberArray)
        /// Decoded from binary (safetensors, OIP binary data): float32, float64 or int64 storage
        /// holding the sent values exactly (float16/bfloat16 widened to float32).
        case decoded(Tensor)
    }

    var values: Values
    /// What the client declared, `nil` for nested arrays and bare numbers.
    var declared: ElementType?
    /// Where the tensor sits, for pointers and for writing the answer back.
    var source: TensorSource

    /// A tensor parsed from JSON.
    init(numbers: NumberArray, declared: ElementType?, source: TensorSource) {
        self.values = .numbers(numbers)
        self.declared = declared
        self.source = source
    }

    /// A tensor decoded from binary data.
    init(decoded: Tensor, declared: ElementType, source: TensorSource) {
        self.values = .decoded(decoded)
        self.declared = declared
        self.source = source
    }

    var shape: [Int] {
        switch values {
        case .numbers(let numbers): numbers.shape
        case .decoded(let tensor): tensor.shape
        }
    }
}

/// Where a tensor sits in the request, and how its elements are addressed.
struct TensorSource: Sendable {
    /// How elements are addressed below `pointer`.
    enum Layout: Sendable {
        /// Nested arrays (or a bare number): element `[i, j]` is `pointer/i/j`.
        case nested
        /// `{"shape", "data"}`: element with flat index k is `pointer/data/k`.
        case shapeAndData
        /// Raw bytes (safetensors, OIP binary): element k is `pointer/k` in row-major order.
        case flat
    }

    /// The JSON pointer of the tensor (`/input`, `/jobs/2/target`, `/inputs/1`).
    var pointer: String
    var layout: Layout

    /// The pointer of the element at `index` (multi-dimensional) / `flatIndex`.
    func pointer(index: [Int]?, flatIndex: Int?) -> String {
        switch layout {
        case .nested:
            guard let index else { return pointer }
            return JSONPointer.appending(pointer, indices: index)
        case .shapeAndData:
            guard let flatIndex else { return JSONPointer.appending(pointer, key: "data") }
            return JSONPointer.appending(JSONPointer.appending(pointer, key: "data"), index: flatIndex)
        case .flat:
            guard let flatIndex else { return pointer }
            return JSONPointer.appending(pointer, index: flatIndex)
        }
    }
}

extension WireTensor {
    /// The tensor at `pointer` in a JSON document: nested arrays, a bare number (or non-finite
    /// string), or `{"shape": [...], "data": [...], "dtype": "..."}`.
    ///
    /// - Throws: `Problem` INVALID_TENSOR (ragged, not a number, data/shape disagreement, unknown
    ///   dtype) or MALFORMED_REQUEST (wrong member types), pointing at the element.
    static func decode(_ value: JSONValue, pointer: String) throws(Problem) -> WireTensor {
        guard case .object(let object) = value else {
            do {
                let numbers = try TensorDecoding.numberArray(from: value, pointer: pointer)
                return WireTensor(numbers: numbers, declared: nil, source: TensorSource(pointer: pointer, layout: .nested))
            } catch {
                throw Problem(.invalidTensor, error.description, pointer: error.pointer)
            }
        }
        for key in object.keys where !["shape", "data", "dtype"].contains(key) {
            throw Problem(
                .malformedRequest, "A tensor object has the members shape, data and dtype; \(key) is not one of them.",
                pointer: JSONPointer.appending(pointer, key: key))
        }
        let shapePointer = JSONPointer.appending(pointer, key: "shape")
        let dataPointer = JSONPointer.appending(pointer, key: "data")
        guard let shapeValue = object["shape"] else {
            throw Problem(.malformedRequest, "A tensor object needs \"shape\" (an array of sizes).", pointer: shapePointer)
        }
        guard let dataValue = object["data"] else {
            throw Problem(.malformedRequest, "A tensor object needs \"data\" (a flat array).", pointer: dataPointer)
        }
        let shape = try decodeShape(shapeValue, pointer: shapePointer)
        var declared: ElementType? = nil
        if let dtypeValue = object["dtype"] {
            let dtypePointer = JSONPointer.appending(pointer, key: "dtype")
            guard let name = dtypeValue.stringValue, let type = ElementType(rawValue: name) else {
                throw Problem(
                    .invalidTensor,
                    "dtype must be one of \(ElementType.allCases.map(\.rawValue).joined(separator: ", ")).",
                    pointer: dtypePointer)
            }
            declared = type
        }
        var numbers: NumberArray
        do {
            numbers = try TensorDecoding.numberArray(from: dataValue, pointer: dataPointer)
        } catch {
            throw Problem(.invalidTensor, error.description, pointer: error.pointer)
        }
        guard numbers.shape.count == 1 else {
            throw Problem(.invalidTensor, "data must be a flat array (row-major), got shape \(numbers.shape).", pointer: dataPointer)
        }
        let expected = shape.reduce(1, *)
        guard numbers.count == expected else {
            throw Problem(
                .invalidTensor, "data has \(numbers.count) elements but shape \(shape) needs \(expected).",
                pointer: dataPointer)
        }
        numbers.shape = shape
        return WireTensor(numbers: numbers, declared: declared, source: TensorSource(pointer: pointer, layout: .shapeAndData))
    }

    /// Largest element count of one tensor (2^40): beyond it the shape is an error, not an
    /// allocation attempt.
    static let maxElements = 1 << 40

    private static func decodeShape(_ value: JSONValue, pointer: String) throws(Problem) -> [Int] {
        guard case .numbers(let sizes) = value, sizes.shape.count == 1 else {
            throw Problem(.invalidTensor, "shape must be a flat array of non-negative integers.", pointer: pointer)
        }
        // Every size is validated before any is converted to Int, so that the error message of
        // a later overflow never converts a size beyond Int's range.
        for (i, size) in sizes.values.enumerated() {
            guard size >= 0, size.rounded() == size, size <= Double(maxElements) else {
                throw Problem(
                    .invalidTensor, "shape sizes must be non-negative integers of at most \(maxElements); got \(size).",
                    pointer: JSONPointer.appending(pointer, index: i))
            }
        }
        let shape = sizes.values.map { Int($0) }
        _ = try elementCount(of: shape, pointer: pointer)
        return shape
    }

    /// The element count of a shape from the wire, checked against `maxElements`: the sizes
    /// other than 0 may not multiply to more (see `Tensor.elementCount`), so that no product of
    /// part of the shape overflows in a kernel or encoder even when the tensor is empty.
    ///
    /// - Throws: `Problem` INVALID_TENSOR at `pointer`.
    static func elementCount(of shape: [Int], pointer: String) throws(Problem) -> Int {
        guard let count = Tensor.elementCount(of: shape, atMost: maxElements) else {
            throw Problem(
                .invalidTensor, "shape \(shape) is too large: its sizes other than 0 multiply to more than \(maxElements).",
                pointer: pointer)
        }
        return count
    }
}
