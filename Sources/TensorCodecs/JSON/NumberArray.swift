/// A rectangular array of JSON numbers, any nesting, packed row-major into one buffer.
///
/// `[[1, 2, 3], [4, 5, 6]]` has `shape == [2, 3]` and `values == [1, 2, 3, 4, 5, 6]`; a flat
/// `[]` has shape `[0]`; `[[], []]` has shape `[2, 0]`. Each value is the correctly rounded
/// `Double` of its decimal spelling (what Python's `json` gives); ``floatValues()`` then rounds
/// each to `Float`, which is exactly what `torch.tensor(json.loads(text))` does for float32.
///
/// The buffer is a `[Float]` when every value is exactly a float32 (the reader keeps them so:
/// half the memory, and ``floatValues()`` is that buffer itself), a `[Double]` otherwise.
public struct NumberArray: Sendable, Equatable {
    /// The inferred shape, outermost dimension first.
    public var shape: [Int]
    /// `true` when every element was spelled as an integer (no fraction, no exponent), so that
    /// Python would build an integer tensor from it. Vacuously `true` for an empty array.
    public var allIntegers: Bool

    /// The element buffer.
    private enum Storage: Sendable {
        /// Every value is exactly this float32.
        case exactFloats([Float])
        case doubles([Double])
    }

    private var storage: Storage

    /// Creates a packed array. `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Double], allIntegers: Bool) {
        self.shape = shape
        self.storage = .doubles(values)
        self.allIntegers = allIntegers
    }

    /// Creates a packed array of values that are exactly these floats (the reader's compact
    /// form). `exactFloats.count` must equal the product of `shape`.
    init(shape: [Int], exactFloats: [Float], allIntegers: Bool) {
        self.shape = shape
        self.storage = .exactFloats(exactFloats)
        self.allIntegers = allIntegers
    }

    /// The number of elements (the product of `shape`).
    public var count: Int {
        switch storage {
        case .exactFloats(let v): v.count
        case .doubles(let v): v.count
        }
    }

    /// The elements in row-major order as doubles; `values.count == shape.reduce(1, *)`.
    /// - Complexity: O(1) for a `Double` buffer; O(n), one allocation, for a `Float` one.
    public var values: [Double] {
        get {
            switch storage {
            case .exactFloats(let v): v.map(Double.init)
            case .doubles(let v): v
            }
        }
        set { storage = .doubles(newValue) }
    }

    /// The element at row-major index `index`.
    public subscript(index: Int) -> Double {
        switch storage {
        case .exactFloats(let v): Double(v[index])
        case .doubles(let v): v[index]
        }
    }

    /// The elements rounded to `Float` (round-to-nearest-even, overflow to ±infinity), as
    /// `torch.tensor(list_of_python_floats, dtype=torch.float32)` does.
    /// - Complexity: O(1) when the buffer is already `Float` (it is shared, not copied);
    ///   otherwise O(n), one allocation.
    public func floatValues() -> [Float] {
        switch storage {
        case .exactFloats(let v):
            return v
        case .doubles(let values):
            return [Float](unsafeUninitializedCapacity: values.count) { buffer, count in
                values.withUnsafeBufferPointer { source in
                    for i in 0..<source.count { buffer[i] = Float(source[i]) }
                }
                count = values.count
            }
        }
    }

    /// The elements as `Int64` when every element is a whole number with |v| <= 2^53 (so that
    /// the `Double` held the spelled integer exactly); otherwise the flat index of the first
    /// element that is not. With `saturating`, larger whole numbers are accepted too, as the
    /// nearest `Int64` (class indices: any such index is out of range, and is reported as that).
    /// Whether the elements were *spelled* as integers is ``allIntegers``.
    /// - Complexity: O(n), one allocation.
    public func int64Values(saturating: Bool = false) -> Result<[Int64], NonIntegerElement> {
        var bad: Int? = nil
        let n = self.count
        let out = [Int64](unsafeUninitializedCapacity: n) { buffer, count in
            for i in 0..<n {
                let v = self[i]
                guard v.rounded(.towardZero) == v, saturating ? v.isFinite : abs(v) <= 0x1p53 else {
                    bad = i
                    break
                }
                buffer[i] = v >= 0x1p63 ? .max : v < -0x1p63 ? .min : Int64(v)
                count = i + 1
            }
        }
        if let bad { return .failure(NonIntegerElement(flatIndex: bad)) }
        return .success(out)
    }

    /// The flat index of an element that cannot be an `Int64` (see ``int64Values()``).
    public struct NonIntegerElement: Error, Sendable, Equatable {
        /// Row-major index of the offending element.
        public var flatIndex: Int

        /// Creates the error for the element at `flatIndex`.
        public init(flatIndex: Int) { self.flatIndex = flatIndex }
    }

    /// The multi-dimensional index of a row-major flat index in this shape.
    public func index(ofFlatIndex flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in shape.indices.reversed() where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    public static func == (lhs: NumberArray, rhs: NumberArray) -> Bool {
        lhs.shape == rhs.shape && lhs.allIntegers == rhs.allIntegers && lhs.count == rhs.count
            && (0..<lhs.count).allSatisfy { lhs[$0].bitPattern == rhs[$0].bitPattern }
    }
}
