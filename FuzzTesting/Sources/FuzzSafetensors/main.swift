// libFuzzer target for the safetensors reader (compiled together with the codec's source files,
// listed in sources.txt, by FuzzTesting/build.sh).
//
// Each input is read as a safetensors body (header capped at 64 KiB). Invariants checked on
// every call:
// - the reader returns a file or a SafetensorsError; never a trap or an out-of-bounds read;
// - every tensor's bytes are exactly count × dtype size and decode without trapping;
// - an F32 tensor read in place (Float32Bytes, when aligned) has the bits of its decoded copy;
// - an accepted file written back by SafetensorsWriter reads back with the same names, dtypes,
//   shapes, bytes and metadata.
// A violated invariant traps, which libFuzzer reports as a crash.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: start, count: count))
    guard let file = try? SafetensorsReader.read(body, options: .init(maxHeaderBytes: 1 << 16)) else { return 0 }
    for tensor in file.tensors {
        precondition(tensor.bytes.count == tensor.shape.reduce(1, *) * tensor.dtype.byteSize, "tensor bytes disagree with shape")
        if tensor.dtype.isFloatingPoint {
            precondition(tensor.floatValues()?.count == tensor.count && tensor.doubleValues()?.count == tensor.count)
        }
        if tensor.dtype == .f32, let view = Float32Bytes(tensor.bytes) {
            precondition(view.withUnsafeBufferPointer { $0.map(\.bitPattern) } == tensor.floatValues()?.map(\.bitPattern),
                         "in-place F32 elements differ from the decoded copy")
        }
        if tensor.dtype.isInteger, let integers = tensor.int64Values() {
            precondition(integers.count == tensor.count)
        }
    }
    let rewritten = SafetensorsWriter.write(
        file.tensors.map { .init(name: $0.name, dtype: $0.dtype, shape: $0.shape, bytes: Array($0.bytes)) },
        metadata: file.metadata)
    guard let again = try? SafetensorsReader.read(rewritten, options: .init(maxHeaderBytes: 1 << 20)) else {
        preconditionFailure("the writer produced a file the reader rejects")
    }
    precondition(again.tensors.count == file.tensors.count)
    for (a, b) in zip(file.tensors, again.tensors) {
        precondition(a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && Array(a.bytes) == Array(b.bytes))
    }
    precondition(again.metadata.map(\.key) == file.metadata.map(\.key) && again.metadata.map(\.value) == file.metadata.map(\.value))
    return 0
}
