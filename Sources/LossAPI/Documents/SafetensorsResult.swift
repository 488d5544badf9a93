import LossKernels
import TensorCodecs

/// A job's answer as a safetensors file: tensors `value`, `grad` and `grad_NAME` (in the job's
/// dtype) and the diagnostics as JSON text in `__metadata__["diagnostics"]`.
enum SafetensorsResult {
    static func encode(_ result: LossResult, of decoded: DecodedJob) -> [UInt8] {
        var entries: [SafetensorsWriter.Entry] = []
        if decoded.outputs.contains(.value) { entries.append(entry("value", result.value)) }
        if decoded.outputs.contains(.grad) {
            entries += decoded.wireGradients(result).map { entry($0.name, $0.tensor) }
        }
        return SafetensorsWriter.write(entries, metadata: metadata(result, of: decoded))
    }

    /// The `__metadata__` of the answer: the loss, and the diagnostics when asked for.
    private static func metadata(_ result: LossResult, of decoded: DecodedJob) -> [(key: String, value: String)] {
        var metadata: [(key: String, value: String)] = [("loss", decoded.job.name.rawValue)]
        if decoded.outputs.contains(.diagnostics) {
            var json = JSONWriter()
            ResultDocument.write(result.diagnostics, to: &json)
            metadata.append(("diagnostics", String(decoding: json.bytes, as: UTF8.self)))
        }
        return metadata
    }

    // MARK: Gradient written in place

    /// Bytes kept ahead of an in-place gradient for the header: the names, shapes and the
    /// diagnostics of a job (under 1 KB with a few warnings) fit with room to spare; a larger
    /// header costs one copy of the gradient.
    static let headerRoom = 2048 - 8

    /// The smallest gradient written in place. Measured with `scripts/bench-api.sh`-style wrk
    /// runs, alternating builds: 8x50257 (1.6 MB) served about 8% more requests in place, and
    /// 32x1000 (128 KB) 3% and 16% more (medians of 5 and 6 rounds; an earlier measurement that
    /// found it slower did not reproduce). Below 64 KiB the 2 KiB header room would be a
    /// noticeable part of the answer.
    static let minimumInPlaceGradientBytes = 64 * 1024

    /// Whether ``computeWithGradientInPlace(_:record:headerRoom:)`` answers `decoded`: a
    /// float32 job of a loss with one differentiable tensor that asked for a gradient of at
    /// least ``minimumInPlaceGradientBytes``.
    static func writesGradientInPlace(_ decoded: DecodedJob) -> Bool {
        guard decoded.outputs.contains(.grad), decoded.job.options.dtype == .float32,
            let only = onlyDifferentiable(decoded), let tensor = decoded.job.tensors[only]
        else { return false }
        return tensor.count * MemoryLayout<Float>.size >= minimumInPlaceGradientBytes
    }

    /// The name of the loss's one differentiable tensor, nil when it has several.
    private static func onlyDifferentiable(_ decoded: DecodedJob) -> String? {
        let differentiable = decoded.descriptor.differentiable
        return differentiable.count == 1 ? differentiable[0].name : nil
    }

    /// Runs `decoded` with the kernel writing the gradient straight into the answer's data
    /// section, after `headerRoom` bytes kept for the header, and writes the header (padded
    /// with spaces, as the format allows) once the diagnostics are known: the largest tensor of
    /// the answer is never copied. The data section holds `grad`, then `value`.
    ///
    /// - Throws: `Problem` as `JobRunner.run`.
    static func computeWithGradientInPlace(
        _ decoded: DecodedJob, record: inout ExchangeRecord, headerRoom: Int = headerRoom
    ) throws(Problem) -> [UInt8] {
        let gradName = onlyDifferentiable(decoded) ?? "input"
        let gradShape = decoded.job.tensors[gradName]?.shape ?? []
        let gradCount = decoded.job.tensors[gradName]?.count ?? 0
        let gradBytes = gradCount * MemoryLayout<Float>.size
        let dataStart = 8 + headerRoom
        precondition(dataStart % 8 == 0, "the data section must stay 8-byte aligned")
        // Capacity for `value` after the gradient, so that appending it does not move the body:
        // a scalar, or for reduction none at most one float per input element.
        let valueRoom = 64 + (decoded.job.options.reduction == .none ? gradBytes : 0)
        var outcome: Result<LossResult, Problem> = .failure(Problem(.internalError, "not run"))
        var body = [UInt8](unsafeUninitializedCapacity: dataStart + gradBytes + valueRoom) { buffer, initialized in
            (buffer.baseAddress! + dataStart).withMemoryRebound(to: Float.self, capacity: gradCount) { grad in
                outcome = Result { () throws(Problem) -> LossResult in
                    try JobRunner.run(decoded, record: &record, gradientInto: UnsafeMutableBufferPointer(start: grad, count: gradCount))
                }
            }
            initialized = dataStart + gradBytes
        }
        let result = try outcome.get()
        return timed(&record.encode) {
            let value = entry("value", result.value)
            var layout: [SafetensorsWriter.Placement] = []
            if decoded.outputs.contains(.value) {
                layout.append(.init(name: "value", dtype: value.dtype, shape: value.shape, offsets: gradBytes..<(gradBytes + value.byteCount)))
            }
            layout.append(.init(name: "grad", dtype: .f32, shape: gradShape, offsets: 0..<gradBytes))
            let header = SafetensorsWriter.headerJSON(layout, metadata: metadata(result, of: decoded))
            guard header.count <= headerRoom else {
                // Rare: diagnostics too long for the room. One copy of the gradient, as encode makes.
                var copied = result
                let grad = [Float](unsafeUninitializedCapacity: gradCount) { out, count in
                    body.withUnsafeBytes { UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[dataStart...])) }
                    count = gradCount
                }
                copied.gradients.insert(NamedTensor(gradName, Tensor(shape: gradShape, float32: grad)), at: 0)
                return encode(copied, of: decoded)
            }
            var prefix: [UInt8] = []
            prefix.reserveCapacity(dataStart)
            SafetensorsWriter.writePrefix(header: header, paddedTo: headerRoom, into: &prefix)
            body.withUnsafeMutableBufferPointer { out in
                prefix.withUnsafeBufferPointer { out.baseAddress!.update(from: $0.baseAddress!, count: dataStart) }
            }
            if decoded.outputs.contains(.value) { body.append(contentsOf: SafetensorsWriter.concatenate([], [value])) }
            return body
        }
    }

    /// `tensor` as a safetensors entry called `name`.
    static func entry(_ name: String, _ tensor: Tensor) -> SafetensorsWriter.Entry {
        switch tensor.storage {
        case .float32(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, float32: values)
        case .float32Bytes(let view): SafetensorsWriter.Entry(name: name, dtype: .f32, shape: tensor.shape, bytes: Array(view.bytes))
        case .float64(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, float64: values)
        case .int64(let values): SafetensorsWriter.Entry(name: name, shape: tensor.shape, int64: values)
        }
    }
}
