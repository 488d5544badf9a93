/// A length-limited canonical Huffman code (RFC 1951 §3.2.2) for an alphabet of symbols
/// `0..<frequencies.count`: the code lengths deflate transmits and the codes, bit-reversed for
/// deflate's least-significant-bit-first packing.
struct HuffmanCode {
    /// The code length of each symbol; 0 for a symbol that does not occur.
    let lengths: [UInt8]
    /// Each symbol's code, bit-reversed (its first bit in bit 0).
    let reversedCodes: [UInt16]

    /// The code for `frequencies`, no code longer than `maxLength` bits.
    ///
    /// A lone occurring symbol gets length 1 (deflate sends at least one bit per symbol). When
    /// the optimal code is too deep, the frequencies are halved (keeping every occurring symbol
    /// at 1 or more) and the code is built again: the flatter distribution gives a shallower
    /// tree, at a small cost in size only for very skewed data.
    init(frequencies: [Int], maxLength: Int) {
        precondition(frequencies.count(where: { $0 > 0 }) <= 1 << maxLength, "more symbols than \(maxLength)-bit codes")
        var weights = frequencies
        var lengths = Self.optimalLengths(weights)
        while let deepest = lengths.max(), Int(deepest) > maxLength {
            weights = weights.map { $0 == 0 ? 0 : max(1, $0 >> 1) }
            lengths = Self.optimalLengths(weights)
        }
        self.lengths = lengths
        reversedCodes = Self.canonicalCodes(lengths)
    }

    /// Sum over symbols of frequency times code length, in bits.
    func encodedBits(_ frequencies: [Int]) -> Int {
        zip(frequencies, lengths).reduce(0) { $0 + $1.0 * Int($1.1) }
    }

    /// Optimal (unlimited) code lengths by Huffman's algorithm, with the two-queue method on
    /// leaves sorted by weight: merged nodes come out in nondecreasing weight, so no heap is
    /// needed.
    private static func optimalLengths(_ weights: [Int]) -> [UInt8] {
        var lengths = [UInt8](repeating: 0, count: weights.count)
        let leaves = weights.indices.filter { weights[$0] > 0 }.sorted { (weights[$0], $0) < (weights[$1], $1) }
        guard leaves.count > 1 else {
            if let only = leaves.first { lengths[only] = 1 }
            return lengths
        }
        // Nodes 0..<leaves.count are the leaves in sorted order; merged nodes follow.
        var weight = leaves.map { weights[$0] }
        var parent = [Int](repeating: -1, count: 2 * leaves.count - 1)
        var nextLeaf = 0
        var nextMerged = leaves.count
        /// The lighter of the next unmerged leaf and the next unmerged internal node.
        func takeLightest() -> Int {
            if nextLeaf < leaves.count, nextMerged >= weight.count || weight[nextLeaf] <= weight[nextMerged] {
                nextLeaf += 1
                return nextLeaf - 1
            }
            nextMerged += 1
            return nextMerged - 1
        }
        while weight.count < parent.count {
            let a = takeLightest()
            let b = takeLightest()
            parent[a] = weight.count
            parent[b] = weight.count
            weight.append(weight[a] + weight[b])
        }
        // Depths top-down: every parent index is greater than its children's.
        var depth = [Int](repeating: 0, count: parent.count)
        for node in stride(from: parent.count - 2, through: 0, by: -1) {
            depth[node] = depth[parent[node]] + 1
        }
        for (rank, symbol) in leaves.enumerated() {
            lengths[symbol] = UInt8(depth[rank])
        }
        return lengths
    }

    /// RFC 1951 §3.2.2: codes of each length are consecutive integers, in symbol order, and
    /// shorter codes precede longer ones lexicographically.
    private static func canonicalCodes(_ lengths: [UInt8]) -> [UInt16] {
        let maxLength = Int(lengths.max() ?? 0)
        var countOfLength = [Int](repeating: 0, count: maxLength + 1)
        for length in lengths where length > 0 { countOfLength[Int(length)] += 1 }
        var nextCode = [Int](repeating: 0, count: maxLength + 1)
        var code = 0
        for bits in stride(from: 1, through: maxLength, by: 1) {
            code = (code + countOfLength[bits - 1]) << 1
            nextCode[bits] = code
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            let code = nextCode[Int(length)]
            nextCode[Int(length)] += 1
            return UInt16(truncatingIfNeeded: reversed(code, bits: Int(length)))
        }
    }

    /// The low `bits` bits of `code` in reverse order.
    private static func reversed(_ code: Int, bits: Int) -> Int {
        var result = 0
        for i in 0..<bits where code & (1 << i) != 0 {
            result |= 1 << (bits - 1 - i)
        }
        return result
    }
}
