import LossKernels

/// Tensors and numbers as JSON text for results: shortest round-trip digits in the job's dtype,
/// always a float spelling (`3.0`), non-finite values as the strings "NaN", "Infinity",
/// "-Infinity" (API.md "A result").
enum TensorJSON {
    /// Writes `tensor` (float32 or float64 storage) in `layout`: nested arrays (a bare number for
    /// shape []), or `{"shape", "data", "dtype"}`.
    static func write(_ tensor: Tensor, layout: TensorSource.Layout, to json: inout JSONBuilder) {
        switch layout {
        case .nested, .flat:
            json.raw(nested(tensor))
        case .shapeAndData:
            json.beginObject()
            json.key("shape")
            json.beginArray()
            for size in tensor.shape { json.int(size) }
            json.endArray()
            json.key("data")
            json.raw(nested(Tensor(shape: [tensor.count], storage: tensor.storage)))
            json.member("dtype", tensor.dtypeName)
            json.endObject()
        }
    }

    /// `tensor` as nested arrays (a bare number for shape []).
    static func nested(_ tensor: Tensor) -> [UInt8] {
        switch tensor.storage {
        case .float32(let values): return nested(values, shape: tensor.shape)
        case .float64(let values): return nested(values, shape: tensor.shape)
        case .int64(let values): return nested(values.map(Double.init), shape: tensor.shape)
        }
    }

    /// One number in shortest round-trip form for its type.
    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    private static func nested<F: BinaryFloatingPoint & LosslessStringConvertible>(_ values: [F], shape: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 12 + 2)
        guard !shape.isEmpty else {
            if let first = values.first { append(first, to: &out) }
            return out
        }
        var next = 0
        appendDimension(0, shape: shape, values: values, next: &next, to: &out)
        return out
    }

    private static func appendDimension<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ dimension: Int, shape: [Int], values: [F], next: inout Int, to out: inout [UInt8]
    ) {
        out.append(UInt8(ascii: "["))
        for i in 0..<shape[dimension] {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if dimension == shape.count - 1 {
                append(values[next], to: &out)
                next += 1
            } else {
                appendDimension(dimension + 1, shape: shape, values: values, next: &next, to: &out)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func append<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, to out: inout [UInt8]) {
        if value.isNaN {
            out.append(contentsOf: Array(#""NaN""#.utf8))
        } else if value.isInfinite {
            out.append(contentsOf: Array((value > 0 ? #""Infinity""# : #""-Infinity""#).utf8))
        } else {
            out.append(contentsOf: Array(value.description.utf8))
        }
    }
}

extension Tensor {
    /// The API name of the element type.
    var dtypeName: String {
        switch storage {
        case .float32: "float32"
        case .float64: "float64"
        case .int64: "int64"
        }
    }
}
