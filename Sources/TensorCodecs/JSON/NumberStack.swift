/// The parser's stack of numbers read so far for the numeric arrays still open, stored in the
/// narrowest type that holds every one of them exactly: `Float` while each value is exactly a
/// float32 (zeros, small integers, and the float32 values a PyTorch client widens to Python
/// floats), `Double` from the first value that is not. A closed tensor is moved out, not
/// copied, when it is the whole stack (the usual case: one tensor per object member), so its
/// buffer becomes the tensor's storage.
///
/// Per number this costs 4 or 8 bytes plus one bit (spelled as an integer or not), instead of
/// a `Double` and a `Bool` on a stack plus a `Double` copy per tensor.
struct NumberStack {
    private var narrow: [Float] = []
    private var wide: [Double] = []
    /// Whether the stack has switched to `wide` (reset when it empties).
    private var isWide = false
    /// Bit i set: the number at i was spelled as an integer.
    private var integerBits: [UInt64] = []

    /// Numbers on the stack.
    private(set) var count = 0
    /// Capacity reserved whenever the stack starts empty: growing by doubling copies every
    /// number once more (a tenth of the parse time), and reserved pages that are never written
    /// cost address space, not memory.
    private let reservation: Int

    /// An empty stack that reserves room for `reservation` numbers before the first.
    init(reservation: Int) {
        self.reservation = reservation
    }

    /// Appends one number.
    mutating func append(_ value: Double, isInteger: Bool) {
        withUnsafePointer(to: value) { v in
            withUnsafePointer(to: isInteger) { flag in
                append(UnsafeBufferPointer(start: v, count: 1), integerFlags: UnsafeBufferPointer(start: flag, count: 1))
            }
        }
    }

    /// Appends numbers and their integer-spelling flags (`values.count == integerFlags.count`).
    mutating func append(_ values: UnsafeBufferPointer<Double>, integerFlags: UnsafeBufferPointer<Bool>) {
        let n = values.count
        guard n > 0 else { return }
        if count == 0 && narrow.capacity == 0 && !isWide { narrow.reserveCapacity(reservation) }
        if !isWide {
            // Exact as a float when the round trip keeps every bit (NaN, ±0 and ±infinity do).
            // One branch-free pass converts and checks; the floats are appended in one copy.
            let exact = withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { floats -> Bool in
                var exact = true
                for i in 0..<n {
                    let f = Float(values[i])
                    floats[i] = f
                    exact = exact && Double(f).bitPattern == values[i].bitPattern
                }
                if exact { narrow.append(contentsOf: floats) }
                return exact
            }
            if !exact {
                wide.reserveCapacity(max(narrow.capacity, count + n))
                wide.append(contentsOf: narrow.lazy.map { Double($0) })
                narrow = []
                isWide = true
            }
        }
        if isWide { wide.append(contentsOf: values) }
        let words = (count + n + 63) >> 6
        if integerBits.count < words { integerBits.append(contentsOf: repeatElement(0, count: words - integerBits.count)) }
        integerBits.withUnsafeMutableBufferPointer { bits in
            for i in 0..<n where integerFlags[i] {
                let at = count + i
                bits[at >> 6] |= 1 << UInt64(at & 63)
            }
        }
        count += n
    }

    /// The number at `index`.
    func value(at index: Int) -> Double {
        isWide ? wide[index] : Double(narrow[index])
    }

    /// Whether the number at `index` was spelled as an integer.
    func isInteger(at index: Int) -> Bool {
        integerBits[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Whether every number in `range` was spelled as an integer.
    func allIntegers(in range: Range<Int>) -> Bool {
        !range.contains { !isInteger(at: $0) }
    }

    /// The numbers in `range`, as a packed array of `shape` (a copy).
    func numbers(in range: Range<Int>, shape: [Int], allIntegers: Bool) -> NumberArray {
        isWide
            ? NumberArray(shape: shape, values: Array(wide[range]), allIntegers: allIntegers)
            : NumberArray(shape: shape, exactFloats: Array(narrow[range]), allIntegers: allIntegers)
    }

    /// Pops the numbers from `start` on, as a packed array of `shape`: the buffer itself when
    /// `start` is 0 and the numbers fill at least half of it (the reservation of a large tensor),
    /// a copy otherwise (a small tensor does not keep the reservation).
    mutating func take(from start: Int, shape: [Int], allIntegers: Bool) -> NumberArray {
        guard start == 0 else {
            let top = numbers(in: start..<count, shape: shape, allIntegers: allIntegers)
            truncate(to: start)
            return top
        }
        let all = isWide
            ? NumberArray(shape: shape, values: Self.compacted(wide), allIntegers: allIntegers)
            : NumberArray(shape: shape, exactFloats: Self.compacted(narrow), allIntegers: allIntegers)
        self = NumberStack(reservation: reservation)
        return all
    }

    /// `array` itself when it fills at least half its capacity, else a copy of exactly its size.
    private static func compacted<T>(_ array: [T]) -> [T] {
        guard array.count * 2 < array.capacity else { return array }
        return [T](unsafeUninitializedCapacity: array.count) { buffer, count in
            _ = buffer.initialize(fromContentsOf: array)
            count = array.count
        }
    }

    /// Pops every number from `start` on.
    mutating func truncate(to start: Int) {
        guard start > 0 else {
            self = NumberStack(reservation: reservation)
            return
        }
        if isWide { wide.removeLast(count - start) } else { narrow.removeLast(count - start) }
        integerBits.removeLast(integerBits.count - (start + 63) >> 6)
        if start & 63 != 0 { integerBits[integerBits.count - 1] &= (1 << UInt64(start & 63)) - 1 }
        count = start
    }
}
