import LossKernels

/// A job's answer as a safetensors file: tensors `value` and `grad` (in the job's dtype) and the
/// diagnostics as JSON text in `__metadata__["diagnostics"]`.
enum SafetensorsResult {
    static func encode(_ result: LossResult, of decoded: DecodedJob) -> [UInt8] {
        var entries: [SafetensorsWriter.Entry] = []
        if decoded.outputs.contains(.value) { entries.append(entry("value", result.value)) }
        if decoded.outputs.contains(.grad), let grad = result.grad { entries.append(entry("grad", grad)) }
        var metadata: [(key: String, value: String)] = [("loss", decoded.job.name.rawValue)]
        if decoded.outputs.contains(.diagnostics) {
            var json = JSONWriter()
            ResultDocument.write(result.diagnostics, to: &json)
            metadata.append(("diagnostics", String(decoding: json.bytes, as: UTF8.self)))
        }
        return SafetensorsWriter.write(entries, metadata: metadata)
    }

    /// `tensor` as a safetensors entry called `name`.
    static func entry(_ name: String, _ tensor: Tensor) -> SafetensorsWriter.Entry {
        switch tensor.storage {
        case .float32(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, float32: values)
        case .float64(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, float64: values)
        case .int64(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, int64: values)
        }
    }
}
