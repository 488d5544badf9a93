/// A dense row-major tensor: a shape and one contiguous storage (an array, or for float32 the
/// bytes the elements arrived in).
///
/// A tensor of shape `[]` is a scalar holding one element. Inputs are float32 or float64 (the API
/// converts float16/bfloat16 to float32 while decoding); class-index targets are int64.
public struct Tensor: Sendable {
    /// Sizes of each dimension, outermost first.
    public var shape: [Int]
    /// The elements in row-major order; its count must equal the product of `shape`.
    public var storage: Storage

    /// Element storage, one case per element type (float32 also as the bytes it arrived in).
    public enum Storage: Sendable {
        case float32([Float])
        /// float32 elements read in place from the bytes they arrived in (see `Float32Bytes`).
        case float32Bytes(Float32Bytes)
        case float64([Double])
        case int64([Int64])
    }

    /// Creates a tensor; `storage` must hold `shape.reduce(1, *)` elements.
    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    /// A float32 tensor.
    public init(shape: [Int], float32 data: [Float]) { self.init(shape: shape, storage: .float32(data)) }
    /// A float64 tensor.
    public init(shape: [Int], float64 data: [Double]) { self.init(shape: shape, storage: .float64(data)) }
    /// An int64 tensor.
    public init(shape: [Int], int64 data: [Int64]) { self.init(shape: shape, storage: .int64(data)) }

    /// Number of stored elements.
    public var count: Int {
        switch storage {
        case .float32(let a): return a.count
        case .float32Bytes(let b): return b.count
        case .float64(let a): return a.count
        case .int64(let a): return a.count
        }
    }

    /// Product of the shape (1 for a scalar), or nil if a size is negative or the product of its
    /// non-zero sizes overflows `Int` (`elementCount(of:atMost:)`).
    public var shapeCount: Int? { Tensor.elementCount(of: shape) }

    /// Product of `shape` (1 for a scalar), or nil if a size is negative or the product of its
    /// non-zero sizes exceeds `limit`: the one overflow-checked shape product that decoders and
    /// kernels share. A size 0 does not excuse the others: `[0, 1, 2^40, 2^40]` holds no element,
    /// but kernels multiply parts of a shape (rows times inner size, strides), and once the shape
    /// passes here none of those products can overflow.
    public static func elementCount(of shape: [Int], atMost limit: Int = .max) -> Int? {
        var n = 1
        var empty = false
        for d in shape {
            guard d >= 0 else { return nil }
            if d == 0 {
                empty = true
                continue
            }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o || p > limit { return nil }
            n = p
        }
        return empty ? 0 : n
    }

    /// The elements widened to `Double` (int64 values are converted exactly up to 2^53).
    public var doubles: [Double] {
        switch storage {
        case .float32(let a): return a.map(Double.init)
        case .float32Bytes(let b): return b.withUnsafeBufferPointer { $0.map(Double.init) }
        case .float64(let a): return a
        case .int64(let a): return a.map(Double.init)
        }
    }

    /// Element `i` as its type prints it (a float32 `0.2` as `0.2`, not its widened `Double`).
    public func elementDescription(_ i: Int) -> String {
        switch storage {
        case .float32(let a): return "\(a[i])"
        case .float32Bytes(let b): return b.withUnsafeBufferPointer { "\($0[i])" }
        case .float64(let a): return "\(a[i])"
        case .int64(let a): return "\(a[i])"
        }
    }

    /// Whether the storage is a floating-point type.
    public var isFloatingPoint: Bool {
        if case .int64 = storage { return false }
        return true
    }

    /// The tensor with float storage of `dtype` (float64 -> float32 rounds to nearest, float32 ->
    /// float64 is exact); int64 tensors are returned unchanged.
    public func converted(to dtype: DType) -> Tensor {
        switch (storage, dtype) {
        case (.float64(let a), .float32): return Tensor(shape: shape, float32: a.map { Float($0) })
        case (.float32, .float64), (.float32Bytes, .float64): return Tensor(shape: shape, float64: doubles)
        default: return self
        }
    }

    /// Calls `body` with the float32 elements where they are stored; nil for other element types.
    public func withFloat32Elements<R>(_ body: (UnsafeBufferPointer<Float>) -> R) -> R? {
        switch storage {
        case .float32(let a): return a.withUnsafeBufferPointer(body)
        case .float32Bytes(let b): return b.withUnsafeBufferPointer(body)
        case .float64, .int64: return nil
        }
    }

    /// The float32 elements as an array (a copy for `.float32Bytes`); nil for other element types.
    public var float32Values: [Float]? {
        switch storage {
        case .float32(let a): return a
        case .float32Bytes(let b): return b.withUnsafeBufferPointer(Array.init)
        case .float64, .int64: return nil
        }
    }
}
