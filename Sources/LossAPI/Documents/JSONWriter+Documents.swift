import LossKernels
import TensorCodecs

/// Helpers for the API's documents on top of the codecs' `JSONWriter`.
extension JSONWriter {
    /// A writer whose buffer has room for `capacity` bytes.
    static func reserving(_ capacity: Int) -> JSONWriter {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(capacity)
        return JSONWriter(buffer: buffer)
    }

    /// `"name": value` in the current object.
    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// `"name": value` in the current object.
    mutating func member(_ name: String, _ value: Int) {
        key(name)
        integer(Int64(value))
    }

    /// `"name": value` in the current object.
    mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `tensor` in `layout`: nested arrays (a bare number for shape []) for nested and binary
    /// sources, `{"shape", "data", "dtype"}` for the shape/data form.
    mutating func tensor(_ tensor: Tensor, layout: TensorSource.Layout) {
        let form: TensorForm
        switch layout {
        case .nested, .flat: form = .nested
        case .shapeAndData: form = .shapeAndData(dtype: tensor.dtypeName)
        }
        self.tensor(tensor, form: form)
    }

    /// `tensor`'s elements as a JSON tensor in `form`.
    mutating func tensor(_ tensor: Tensor, form: TensorForm) {
        switch tensor.storage {
        case .float32(let values): self.tensor(values, shape: tensor.shape, form: form)
        case .float32Bytes: self.tensor(tensor.float32Values!, shape: tensor.shape, form: form)
        case .float64(let values): self.tensor(values, shape: tensor.shape, form: form)
        case .int64(let values): self.tensor(values, shape: tensor.shape, form: form)
        }
    }
}

extension Tensor {
    /// The API name of the element type.
    var dtypeName: String {
        switch storage {
        case .float32, .float32Bytes: "float32"
        case .float64: "float64"
        case .int64: "int64"
        }
    }
}
