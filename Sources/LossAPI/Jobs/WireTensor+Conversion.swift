import LossKernels
import TensorCodecs

extension WireTensor {
    /// The tensor as floating-point storage of `dtype`, as `torch.tensor(values, dtype=declared)`
    /// followed by `.to(dtype)` would give: each parsed double is rounded to the declared type
    /// first (float16, bfloat16, float32), then widened or rounded to `dtype`. Binary storage is
    /// passed through when it already has the type.
    func floatingPoint(_ dtype: DType) -> Tensor {
        switch values {
        case .numbers(let numbers):
            return Self.floatingPoint(numbers, declared: declared, dtype: dtype)
        case .decoded(let tensor):
            guard case .int64(let v) = tensor.storage else { return tensor.converted(to: dtype) }
            switch dtype {
            case .float32: return Tensor(shape: tensor.shape, float32: v.map(Float.init))
            case .float64: return Tensor(shape: tensor.shape, float64: v.map(Double.init))
            }
        }
    }

    private static func floatingPoint(_ numbers: NumberArray, declared: ElementType?, dtype: DType) -> Tensor {
        let shape = numbers.shape
        // `values` is a copy when the reader kept the numbers as floats: only the paths that
        // need doubles take it.
        var values: [Double] { numbers.values }
        switch (dtype, declared) {
        case (.float32, .float16?):
            return Tensor(shape: shape, float32: values.map { Float(Float16($0)) })
        case (.float32, .bfloat16?):
            return Tensor(shape: shape, float32: values.map { Self.roundToBFloat16(Float($0)) })
        case (.float32, _):
            return Tensor(shape: shape, float32: numbers.floatValues())
        case (.float64, .float16?):
            return Tensor(shape: shape, float64: values.map { Double(Float16($0)) })
        case (.float64, .bfloat16?):
            return Tensor(shape: shape, float64: values.map { Double(Self.roundToBFloat16(Float($0))) })
        case (.float64, .float32?):
            return Tensor(shape: shape, float64: values.map { Double(Float($0)) })
        case (.float64, _):
            return Tensor(shape: shape, float64: values)
        }
    }

    /// The tensor as int64 class indices.
    ///
    /// - Throws: `Problem` INVALID_TENSOR at the first element that is not a whole number.
    func classIndices() throws(Problem) -> Tensor {
        let numbers: NumberArray
        switch values {
        case .numbers(let parsed):
            numbers = parsed
        case .decoded(let tensor):
            if case .int64 = tensor.storage { return tensor }
            numbers = NumberArray(shape: tensor.shape, values: tensor.doubles, allIntegers: false)
        }
        switch numbers.int64Values(saturating: true) {
        case .success(let indices):
            return Tensor(shape: shape, int64: indices)
        case .failure(let bad):
            let value = numbers[bad.flatIndex]
            throw Problem(
                .invalidTensor, "class indices must be whole numbers; got \(value).",
                pointer: source.pointer(index: numbers.index(ofFlatIndex: bad.flatIndex), flatIndex: bad.flatIndex))
        }
    }

    /// Whether the client sent this tensor as integers: declared as an integer type, or nested
    /// arrays spelled without fractions or exponents (what makes Python's json build ints).
    var looksLikeIntegers: Bool {
        if let declared { return !declared.isFloatingPoint }
        guard case .numbers(let numbers) = values else { return false }
        return numbers.allIntegers && numbers.count > 0
    }

    /// `value` rounded to the nearest bfloat16 (ties to even), as `torch.bfloat16` rounds; NaN
    /// stays NaN.
    static func roundToBFloat16(_ value: Float) -> Float {
        guard !value.isNaN else { return value }
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return Float(bitPattern: rounded & 0xFFFF_0000)
    }
}
