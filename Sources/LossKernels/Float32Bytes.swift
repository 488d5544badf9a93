/// float32 elements left in the little-endian bytes they arrived in: a slice of a request body
/// (safetensors, Open Inference Protocol binary data) that the kernels read in place, so that a
/// large input is not copied into a `[Float]` first (1.6 MB per 8x50257 request).
///
/// Only bytes the host can read as `Float` directly are accepted: a little-endian host, a whole
/// number of elements, 4-byte aligned. The slice keeps the body alive and is never mutated.
public struct Float32Bytes: Sendable {
    /// The element bytes.
    public let bytes: ArraySlice<UInt8>

    /// A view of `bytes`, or nil when the host cannot read them as `Float` in place (big-endian
    /// host, a partial element, misaligned start): then the caller copies.
    public init?(_ bytes: ArraySlice<UInt8>) {
        guard UInt32(1).littleEndian == 1, bytes.count % MemoryLayout<Float>.size == 0 else { return nil }
        let aligned = bytes.withUnsafeBytes { Int(bitPattern: $0.baseAddress) % MemoryLayout<Float>.alignment == 0 }
        guard aligned else { return nil }
        self.bytes = bytes
    }

    /// Number of elements.
    public var count: Int { bytes.count / MemoryLayout<Float>.size }

    /// Calls `body` with the elements, bound to `Float` for the duration of the call.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        bytes.withUnsafeBytes { raw in raw.withMemoryRebound(to: Float.self, body) }
    }
}
