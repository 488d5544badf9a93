import CZlib

/// One-shot deflate with Huffman coding of single bytes and no string matching: the same
/// format and about the same size as zlib's `Z_HUFFMAN_ONLY`, several times faster.
///
/// Why not zlib: its `Z_HUFFMAN_ONLY` still runs the general deflate machinery per byte (symbol
/// buffer, tallies, block decisions) and managed about 160 MB/s on lossd's float text here;
/// coding a block from one histogram with a table lookup per byte is what the strategy needs.
/// zlib still computes the CRC-32 and Adler-32 checksums, and every test inflates this output
/// with zlib.
///
/// Each block of up to 65,535 bytes gets its own dynamic Huffman code (RFC 1951 §3.2.7) built
/// from its byte histogram, or is stored when coding would not make it smaller.
enum HuffmanOnlyDeflate {
    /// Bytes per block: the most a stored block holds, so any block can fall back to one.
    static let blockSize = 65_535

    /// `input` compressed into `format`.
    static func compress(_ input: UnsafeRawBufferPointer, format: CompressionFormat) -> [UInt8] {
        let blocks = max(1, (input.count + blockSize - 1) / blockSize)
        // Each block costs at most its stored size (under 6 bytes of header and padding); the
        // container's header and trailer take at most 18 bytes; the bit writer stores whole
        // 8-byte words.
        let bound = input.count + 6 * blocks + 18 + 8
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            let start = buffer.baseAddress!
            var out = start
            out = writeHeader(format, to: out)
            var writer = DeflateBitWriter(out)
            if input.isEmpty {
                writer.writeStoredBlock(UnsafeRawBufferPointer(start: nil, count: 0), isFinal: true)
            }
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + blockSize)
                writeBlock(UnsafeRawBufferPointer(rebasing: input[offset..<end]), isFinal: end == input.count, to: &writer)
                offset = end
            }
            out = writer.finish()
            out = writeTrailer(format, input, to: out)
            count = out - start
            precondition(count <= bound, "HuffmanOnlyDeflate overran its bound")
        }
    }

    // MARK: Blocks

    /// Code lengths are sent in this order (RFC 1951 §3.2.7), so that trailing zeros can be cut.
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    private static let endOfBlock = 256

    /// One block: dynamic Huffman, or stored when coding would not beat a stored block's
    /// worst case (with seven bits of padding).
    private static func writeBlock(_ block: UnsafeRawBufferPointer, isFinal: Bool, to writer: inout DeflateBitWriter) {
        var frequencies = histogram(block)
        frequencies.append(1)  // end of block
        let literals = HuffmanCode(frequencies: frequencies, maxLength: 15)
        // No distance codes are used; like zlib, send two of one bit so the code is complete.
        let lengths = literals.lengths + [1, 1]
        let items = runLengthItems(lengths)
        var itemFrequencies = [Int](repeating: 0, count: 19)
        for item in items { itemFrequencies[Int(item.symbol)] += 1 }
        // inflate rejects an incomplete code-length code, which a lone symbol would give.
        if itemFrequencies.filter({ $0 > 0 }).count < 2 { itemFrequencies[itemFrequencies[0] == 0 ? 0 : 1] = 1 }
        let codeLengths = HuffmanCode(frequencies: itemFrequencies, maxLength: 7)
        let sentCodeLengths = max(4, (codeLengthOrder.lastIndex { codeLengths.lengths[$0] != 0 } ?? 0) + 1)

        let headerBits = 3 + 5 + 5 + 4 + 3 * sentCodeLengths
            + items.reduce(0) { $0 + Int(codeLengths.lengths[Int($1.symbol)]) + Int($1.extraBits) }
        let dynamicBits = headerBits + literals.encodedBits(frequencies)
        let storedBits = 3 + 7 + 32 + 8 * block.count  // at worst 7 bits of padding
        guard dynamicBits < storedBits else {
            writer.writeStoredBlock(block, isFinal: isFinal)
            return
        }
        writer.write(UInt64(isFinal ? 1 : 0) | 2 << 1, bits: 3)  // BFINAL, BTYPE 10
        writer.write(UInt64(lengths.count - 2 - 257), bits: 5)  // HLIT
        writer.write(UInt64(2 - 1), bits: 5)  // HDIST
        writer.write(UInt64(sentCodeLengths - 4), bits: 4)  // HCLEN
        for symbol in codeLengthOrder.prefix(sentCodeLengths) {
            writer.write(UInt64(codeLengths.lengths[symbol]), bits: 3)
        }
        for item in items {
            let symbol = Int(item.symbol)
            writer.write(UInt64(codeLengths.reversedCodes[symbol]), bits: Int(codeLengths.lengths[symbol]))
            writer.write(UInt64(item.extra), bits: Int(item.extraBits))
        }
        let table = (0..<257).map { UInt32(literals.reversedCodes[$0]) | UInt32(literals.lengths[$0]) << 16 }
        table.withUnsafeBufferPointer { writer.writeSymbols(of: block, table: $0) }
        writer.write(UInt64(literals.reversedCodes[endOfBlock]), bits: Int(literals.lengths[endOfBlock]))
    }

    /// Byte counts of `block`, in four interleaved tables so that runs of one byte value do not
    /// wait on each other's increments.
    private static func histogram(_ block: UnsafeRawBufferPointer) -> [Int] {
        var counts = [UInt32](repeating: 0, count: 4 * 256)
        counts.withUnsafeMutableBufferPointer { c in
            let n = block.count
            var i = 0
            while i + 4 <= n {
                c[Int(block[i])] &+= 1
                c[256 + Int(block[i + 1])] &+= 1
                c[512 + Int(block[i + 2])] &+= 1
                c[768 + Int(block[i + 3])] &+= 1
                i += 4
            }
            while i < n {
                c[Int(block[i])] &+= 1
                i += 1
            }
        }
        return (0..<256).map { (byte: Int) -> Int in
            (0..<4).reduce(0) { $0 + Int(counts[256 * $1 + byte]) }
        }
    }

    /// A code-length symbol (0–15 a length, 16 repeat the previous, 17 and 18 runs of zeros)
    /// with its extra bits.
    private struct RunLengthItem {
        var symbol: UInt8
        var extra: UInt8 = 0
        var extraBits: UInt8 = 0
    }

    /// RFC 1951 §3.2.7's run-length coding of the code lengths.
    private static func runLengthItems(_ lengths: [UInt8]) -> [RunLengthItem] {
        var items: [RunLengthItem] = []
        var i = 0
        while i < lengths.count {
            let length = lengths[i]
            var run = 1
            while i + run < lengths.count, lengths[i + run] == length { run += 1 }
            i += run
            if length == 0 {
                while run >= 11 {
                    let take = min(run, 138)
                    items.append(RunLengthItem(symbol: 18, extra: UInt8(take - 11), extraBits: 7))
                    run -= take
                }
                if run >= 3 {
                    items.append(RunLengthItem(symbol: 17, extra: UInt8(run - 3), extraBits: 3))
                    run = 0
                }
            } else {
                items.append(RunLengthItem(symbol: length))
                run -= 1
                while run >= 3 {
                    let take = min(run, 6)
                    items.append(RunLengthItem(symbol: 16, extra: UInt8(take - 3), extraBits: 2))
                    run -= take
                }
            }
            items.append(contentsOf: repeatElement(RunLengthItem(symbol: length), count: run))
        }
        return items
    }

    // MARK: Containers

    /// The gzip (RFC 1952) or zlib (RFC 1950) header; nothing for raw deflate.
    private static func writeHeader(_ format: CompressionFormat, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let header: [UInt8]
        switch format {
        // Magic, deflate, no flags, no time, XFL 4 (fastest), OS 3 (Unix), as zlib writes.
        case .gzip: header = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 3]
        // 32 KiB window, deflate; FLEVEL 0 (fastest); check bits make 0x7801 a multiple of 31.
        case .zlib: header = [0x78, 0x01]
        case .rawDeflate: header = []
        }
        out.update(from: header, count: header.count)
        return out + header.count
    }

    /// gzip: CRC-32 and length mod 2^32, little-endian; zlib: Adler-32, big-endian.
    private static func writeTrailer(
        _ format: CompressionFormat, _ input: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        let bytes = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        switch format {
        case .gzip:
            let crc = UInt32(truncatingIfNeeded: crc32_z(0, bytes, input.count))
            let size = UInt32(truncatingIfNeeded: input.count)
            UnsafeMutableRawPointer(out).storeBytes(of: crc.littleEndian, as: UInt32.self)
            UnsafeMutableRawPointer(out + 4).storeBytes(of: size.littleEndian, as: UInt32.self)
            return out + 8
        case .zlib:
            let adler = UInt32(truncatingIfNeeded: adler32_z(1, bytes, input.count))  // 1: Adler-32 of nothing
            UnsafeMutableRawPointer(out).storeBytes(of: adler.bigEndian, as: UInt32.self)
            return out + 4
        case .rawDeflate:
            return out
        }
    }
}

/// Packs bits least-significant first (RFC 1951 §3.1.1) into a buffer with at least 8 bytes of
/// room past the end of the output: every flush stores a whole 64-bit word.
struct DeflateBitWriter {
    private var out: UnsafeMutablePointer<UInt8>
    /// Pending bits, the next to go out in bit 0; fewer than 8 after each flush.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    init(_ out: UnsafeMutablePointer<UInt8>) {
        self.out = out
    }

    /// Appends the low `bits` (at most 56) bits of `value`.
    mutating func write(_ value: UInt64, bits: Int) {
        pending |= value << UInt64(pendingCount)
        pendingCount += bits
        flush()
    }

    /// Appends the code of each byte of `bytes` from `table` (code in the low 16 bits, length in
    /// the high 16, at most 15 bits): three codes per flush.
    mutating func writeSymbols(of bytes: UnsafeRawBufferPointer, table: UnsafeBufferPointer<UInt32>) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = bytes.count
        var i = 0
        while i + 3 <= n {
            let a = table[Int(base[i])], b = table[Int(base[i + 1])], c = table[Int(base[i + 2])]
            pending |= UInt64(a & 0xFFFF) << UInt64(pendingCount)
            pendingCount += Int(a >> 16)
            pending |= UInt64(b & 0xFFFF) << UInt64(pendingCount)
            pendingCount += Int(b >> 16)
            pending |= UInt64(c & 0xFFFF) << UInt64(pendingCount)
            pendingCount += Int(c >> 16)
            flush()
            i += 3
        }
        while i < n {
            let a = table[Int(base[i])]
            write(UInt64(a & 0xFFFF), bits: Int(a >> 16))
            i += 1
        }
    }

    /// A stored block (RFC 1951 §3.2.4) of at most 65,535 bytes.
    mutating func writeStoredBlock(_ block: UnsafeRawBufferPointer, isFinal: Bool) {
        write(isFinal ? 1 : 0, bits: 3)  // BFINAL, BTYPE 00
        alignToByte()
        let length = UInt64(block.count)
        write(length | (~length & 0xFFFF) << 16, bits: 32)  // LEN, NLEN
        if let base = block.baseAddress {
            UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: block.count)
            out += block.count
        }
    }

    /// Pads with zero bits to a byte boundary and returns the end of the output.
    mutating func finish() -> UnsafeMutablePointer<UInt8> {
        alignToByte()
        return out
    }

    /// Stores the pending bits and moves past the whole bytes among them.
    private mutating func flush() {
        UnsafeMutableRawPointer(out).storeBytes(of: pending.littleEndian, as: UInt64.self)
        let whole = pendingCount >> 3
        out += whole
        pending = whole == 8 ? 0 : pending >> UInt64(8 * whole)
        pendingCount &= 7
    }

    private mutating func alignToByte() {
        if pendingCount > 0 {
            pendingCount = 8
            flush()
        }
    }
}
