import LossKernels
import TensorCodecs

extension WireTensor.ElementType {
    /// The element type of a safetensors dtype lossd accepts (F16, BF16, F32, F64 inputs; I64,
    /// I32, U8 targets), or `nil`.
    init?(_ dtype: SafetensorsDType) {
        switch dtype {
        case .f16: self = .float16
        case .bf16: self = .bfloat16
        case .f32: self = .float32
        case .f64: self = .float64
        case .i64: self = .int64
        case .i32: self = .int32
        case .u8: self = .uint8
        default: return nil
        }
    }
}

extension WireTensor {
    /// A tensor from little-endian binary elements (a safetensors entry, or OIP binary data
    /// wrapped as one): F32 is read in place (`Float32Bytes`) where the host can, F16/BF16 become
    /// float32 storage, F64 float64, integers int64.
    ///
    /// - Throws: `Problem` INVALID_TENSOR for a shape beyond `maxElements` (the reader's byte
    ///   count does not bound the other sizes of a shape with a 0 in it) or a dtype lossd does
    ///   not accept.
    static func binary(_ tensor: SafetensorsTensor, source: TensorSource) throws(Problem) -> WireTensor {
        _ = try elementCount(of: tensor.shape, pointer: source.pointer)
        guard let declared = ElementType(tensor.dtype) else {
            throw Problem(
                .invalidTensor,
                "\(tensor.name) has dtype \(tensor.dtype.rawValue); lossd reads F32, F64, F16, BF16 (inputs) and I64, I32, U8 (targets).",
                pointer: source.pointer)
        }
        let storage: Tensor.Storage
        switch tensor.dtype {
        case .f64: storage = .float64(tensor.doubleValues() ?? [])
        case .f32:
            // Read in place when the host can (a 1.6 MB copy less on 8x50257), else copied.
            storage = Float32Bytes(tensor.bytes).map(Tensor.Storage.float32Bytes) ?? .float32(tensor.floatValues() ?? [])
        case .f16, .bf16: storage = .float32(tensor.floatValues() ?? [])
        default: storage = .int64(tensor.int64Values() ?? [])
        }
        return WireTensor(decoded: Tensor(shape: tensor.shape, storage: storage), declared: declared, source: source)
    }
}
