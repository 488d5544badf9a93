import TensorCodecs

/// Open Inference Protocol tensor datatypes lossd reads, and their element types.
enum OIPDatatype: String, CaseIterable {
    case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64", int64 = "INT64", int32 = "INT32", uint8 = "UINT8"

    /// The element type of `WireTensor` this datatype declares.
    var elementType: WireTensor.ElementType {
        switch self {
        case .fp16: .float16
        case .bf16: .bfloat16
        case .fp32: .float32
        case .fp64: .float64
        case .int64: .int64
        case .int32: .int32
        case .uint8: .uint8
        }
    }

    /// The safetensors dtype with the same element encoding (little-endian, row-major).
    var safetensorsDType: SafetensorsDType {
        switch self {
        case .fp16: .f16
        case .bf16: .bf16
        case .fp32: .f32
        case .fp64: .f64
        case .int64: .i64
        case .int32: .i32
        case .uint8: .u8
        }
    }

    /// Bytes per element in the binary tensor data extension.
    var byteWidth: Int {
        switch self {
        case .fp16, .bf16: 2
        case .fp32, .int32: 4
        case .fp64, .int64: 8
        case .uint8: 1
        }
    }
}
