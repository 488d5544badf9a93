import CZlib

/// A streaming zlib compressor producing gzip, zlib (HTTP `deflate`) or raw deflate data.
///
/// Feed input with `compress(_:into:)` as it becomes available, then call `finish(into:)` once;
/// zlib may hold output back until then. `flush(into:)` forces out everything so far (a sync
/// flush, for streamed responses). `reset()` makes the instance reusable for a new stream without
/// reallocating zlib's ~270 KiB of state. For a whole body at once, use
/// `Deflater.compress(_:format:level:)`.
///
/// Not `Sendable`: an instance holds zlib's mutable state, and belongs to one response or
/// connection, used from one thread at a time (the connection's serial queue).
public final class Deflater {
    /// The valid compression levels: 0 stores, 1 is fastest, 9 compresses most.
    public static let levels: ClosedRange<Int> = 0...9
    /// zlib's default trade-off between speed and size.
    public static let defaultLevel = 6

    /// The container being produced.
    public let format: CompressionFormat
    /// The compression level, in `Deflater.levels`.
    public let level: Int
    /// How matches are searched for.
    public let strategy: Strategy

    /// zlib's match-search strategies.
    /// The raw values are the spellings of lossd's `--compression-strategy`.
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        /// Lazy or greedy string matching by level, then Huffman coding (zlib's default).
        case `default`
        /// Huffman coding of single bytes only, no string matching: much faster, and close in
        /// ratio on text whose redundancy is mostly its small alphabet (decimal digits).
        case huffmanOnly = "huffman-only"
        /// Matches of distance one only (run-length encoding), then Huffman coding.
        case runLength = "run-length"

        var zlibValue: Int32 {
            switch self {
            case .default: Z_DEFAULT_STRATEGY
            case .huffmanOnly: Z_HUFFMAN_ONLY
            case .runLength: Z_RLE
            }
        }
    }

    private let stream = ZStream()
    /// Output is produced here and appended to the caller's buffer.
    private var chunk = [UInt8](repeating: 0, count: 32 * 1024)
    /// Set by `finish(into:)`; only `reset()` clears it.
    private var isFinished = false

    /// Creates a compressor.
    ///
    /// - Parameters:
    ///   - format: `.gzip` for HTTP `gzip`, `.zlib` for HTTP `deflate`.
    ///   - level: in `Deflater.levels`; a value outside is a programming error (validate
    ///     configuration before creating compressors).
    ///   - strategy: `.default` unless measurements say otherwise (scripts/bench-zlib.sh).
    public init(format: CompressionFormat, level: Int = Deflater.defaultLevel, strategy: Strategy = .default) {
        precondition(Self.levels.contains(level), "compression level \(level) is outside \(Self.levels)")
        self.format = format
        self.level = level
        self.strategy = strategy
        // memLevel 8 is zlib's own default. With valid arguments the only failure is
        // Z_MEM_ERROR, where Swift itself would already have trapped.
        let code = czlib_deflateInit2(stream.pointer, Int32(level), format.windowBits, 8, strategy.zlibValue)
        precondition(code == Z_OK, "deflateInit2: \(stream.message(code: code))")
    }

    deinit {
        deflateEnd(stream.pointer)
        stream.deallocate()
    }

    /// Compresses `input`, appending to `output` whatever compressed bytes zlib emits now.
    public func compress(_ input: some Collection<UInt8>, into output: inout [UInt8]) {
        precondition(!isFinished, "Deflater.compress after finish; call reset() first")
        withContiguousBytes(input) { bytes in
            stream.withInput(bytes) { drain(flush: Z_NO_FLUSH, into: &output) }
        }
    }

    /// Appends all output pending so far, ending on a byte boundary (`Z_SYNC_FLUSH`), so that the
    /// receiver can decode everything sent up to now. Costs a few bytes of ratio per call.
    public func flush(into output: inout [UInt8]) {
        precondition(!isFinished, "Deflater.flush after finish; call reset() first")
        drain(flush: Z_SYNC_FLUSH, into: &output)
    }

    /// Ends the stream, appending the remaining output and the format's trailer.
    public func finish(into output: inout [UInt8]) {
        precondition(!isFinished, "Deflater.finish called twice; call reset() first")
        drain(flush: Z_FINISH, into: &output)
        isFinished = true
    }

    /// Starts a new stream with the same format, level and strategy.
    public func reset() {
        deflateReset(stream.pointer)
        isFinished = false
    }

    /// Compresses a whole body in one call.
    ///
    /// The output buffer is sized once with `deflateBound`, so the bytes are written in place.
    /// `.huffmanOnly` at levels 1 to 9 goes to `HuffmanOnlyDeflate`, several times faster than
    /// zlib's own for the same format and about the same size.
    public static func compress(
        _ input: some Collection<UInt8>,
        format: CompressionFormat,
        level: Int = defaultLevel,
        strategy: Strategy = .default
    ) -> [UInt8] {
        precondition(levels.contains(level), "compression level \(level) is outside \(levels)")
        if strategy == .huffmanOnly, level > 0 {
            return withContiguousBytes(input) { HuffmanOnlyDeflate.compress($0, format: format) }
        }
        let deflater = Deflater(format: format, level: level, strategy: strategy)
        return withContiguousBytes(input) { bytes in
            let bound = Int(deflateBound(deflater.stream.pointer, uLong(bytes.count)))
            guard bound <= Int(UInt32.max) else {
                // Larger than zlib's 32-bit avail_out: stream it in chunks instead.
                var output: [UInt8] = []
                deflater.stream.withInput(bytes) { deflater.drain(flush: Z_NO_FLUSH, into: &output) }
                deflater.finish(into: &output)
                return output
            }
            return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
                let z = deflater.stream.pointer
                z.pointee.next_in = UnsafeMutablePointer(
                    mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                )
                z.pointee.avail_in = uInt(bytes.count)
                z.pointee.next_out = buffer.baseAddress
                z.pointee.avail_out = uInt(bound)
                let code = deflate(z, Z_FINISH)
                // deflateBound guarantees one Z_FINISH call completes the stream.
                precondition(code == Z_STREAM_END, "deflate: \(deflater.stream.message(code: code))")
                count = bound - Int(z.pointee.avail_out)
                z.pointee.next_in = nil
                z.pointee.next_out = nil
            }
        }
    }

    /// Runs `deflate` with `flush` until the current input is consumed and, for a flush or
    /// finish, until zlib has no more output to give.
    private func drain(flush: Int32, into output: inout [UInt8]) {
        let z = stream.pointer
        let chunkSize = chunk.count
        while true {
            let code = chunk.withUnsafeMutableBufferPointer { buffer in
                z.pointee.next_out = buffer.baseAddress
                z.pointee.avail_out = uInt(chunkSize)
                defer { z.pointee.next_out = nil }
                return deflate(z, flush)
            }
            let produced = chunkSize - Int(z.pointee.avail_out)
            output.append(contentsOf: chunk[..<produced])
            // Z_BUF_ERROR only says no progress was possible (nothing left to do); Z_STREAM_ERROR
            // means an inconsistent stream, which is a bug in this file.
            precondition(code != Z_STREAM_ERROR, "deflate: \(stream.message(code: code))")
            if code == Z_STREAM_END { return }
            if z.pointee.avail_out != 0 && z.pointee.avail_in == 0 && flush != Z_FINISH { return }
        }
    }
}
