import CZlib

/// A streaming zlib decompressor for request bodies, with a hard cap on the decoded size.
///
/// Feed the compressed body with `inflate(_:into:)` as it arrives, then call `finish()` to check
/// that the stream was complete. `Inflater.decompress(_:format:limit:)` does both for a whole body.
///
/// Guarantees:
/// - **Size cap.** Never appends more than `limit` bytes in total, and never lets zlib write more
///   than one byte past the cap into its own 32 KiB chunk: the first byte beyond the cap throws
///   `.decompressedSizeExceeded` at once (with exactly `limit` bytes appended), so a zip bomb
///   costs at most `limit` bytes of memory and the time to inflate them.
/// - **Errors, not traps.** Truncated input, corrupt data, bad checksums and data after the end
///   throw `InflateError`; after a throw the instance refuses further input.
/// - **gzip members.** Concatenated gzip members (RFC 1952 §2.2; what `cat a.gz b.gz` produces)
///   are decoded one after another into one body, like `gunzip` and Python's `gzip` do. Anything
///   after a member that is not another valid member is `.corrupt`. For `.zlib` and `.rawDeflate`,
///   any byte after the end of the stream is `.trailingData`.
///
/// Not `Sendable`: an instance belongs to one request body and is used from one thread at a time
/// (the connection's serial queue).
public final class Inflater {
    /// The container being decoded.
    public let format: CompressionFormat
    /// The most decoded bytes this instance will produce.
    public let limit: Int
    /// Decoded bytes produced so far.
    public private(set) var producedCount = 0
    /// Asked before the output buffer grows, with its new capacity; `false` stops decoding with
    /// `.memoryBudgetExceeded` (the server's process-wide memory budget).
    private let mayGrowOutput: ((Int) -> Bool)?

    private enum State {
        /// Inside a stream (or before the first byte).
        case streaming
        /// A gzip member ended; more input starts a new member.
        case betweenMembers
        /// A zlib or raw deflate stream ended; no more input is allowed.
        case ended
        /// An error was thrown; the instance is unusable.
        case failed
    }

    private var state = State.streaming
    /// Whether any input was received (an empty body is a truncated stream).
    private var receivedInput = false
    private let stream = ZStream()
    private var chunk = [UInt8](repeating: 0, count: 32 * 1024)

    /// Creates a decompressor.
    ///
    /// - Parameters:
    ///   - format: `.gzip` for HTTP `gzip`, `.zlib` for HTTP `deflate` (`ContentCoding.format`).
    ///   - limit: the decoded-size cap in bytes (the server's decompressed body limit), ≥ 0.
    ///   - mayGrowOutput: asked with the output's new capacity before it grows; `false` throws
    ///     `.memoryBudgetExceeded`. `nil` always allows growth up to `limit`.
    public init(format: CompressionFormat, limit: Int, mayGrowOutput: ((Int) -> Bool)? = nil) {
        precondition(limit >= 0, "Inflater limit must not be negative")
        self.format = format
        self.limit = limit
        self.mayGrowOutput = mayGrowOutput
        let code = czlib_inflateInit2(stream.pointer, format.windowBits)
        precondition(code == Z_OK, "inflateInit2: \(stream.message(code: code))")
    }

    deinit {
        inflateEnd(stream.pointer)
        stream.deallocate()
    }

    /// Decodes `input`, appending the decoded bytes to `output`.
    ///
    /// - Throws: `InflateError` with `.decompressedSizeExceeded`, `.corrupt` or `.trailingData`.
    ///   Bytes decoded before the error may have been appended.
    public func inflate(_ input: some Collection<UInt8>, into output: inout [UInt8]) throws(InflateError) {
        guard state != .failed else { throw InflateError(code: .corrupt, detail: "the stream already failed") }
        guard !input.isEmpty else { return }
        receivedInput = true
        do {
            try withContiguousBytes(input) { (bytes) throws(InflateError) in
                try stream.withInput(bytes) { () throws(InflateError) in try drainInput(into: &output) }
            }
        } catch {
            state = .failed
            throw error
        }
    }

    /// Checks that the input formed complete streams.
    ///
    /// - Throws: `.truncated` if the input stopped inside a stream, or no input was given at all.
    public func finish() throws(InflateError) {
        switch state {
        case .betweenMembers, .ended:
            return
        case .streaming:
            state = .failed
            let detail = receivedInput ? "the compressed stream ended early" : "the compressed body is empty"
            throw InflateError(code: .truncated, detail: detail)
        case .failed:
            throw InflateError(code: .corrupt, detail: "the stream already failed")
        }
    }

    /// Decodes a whole body.
    ///
    /// - Parameters:
    ///   - input: the complete compressed body.
    ///   - format: its container (`ContentCoding.format`).
    ///   - limit: the decoded-size cap in bytes.
    ///   - mayGrowOutput: asked before the output grows (see `init`).
    /// - Returns: the decoded bytes, at most `limit` of them.
    /// - Throws: `InflateError`.
    public static func decompress(
        _ input: some Collection<UInt8>,
        format: CompressionFormat,
        limit: Int,
        mayGrowOutput: ((Int) -> Bool)? = nil
    ) throws(InflateError) -> [UInt8] {
        let inflater = Inflater(format: format, limit: limit, mayGrowOutput: mayGrowOutput)
        var output: [UInt8] = []
        try inflater.inflate(input, into: &output)
        try inflater.finish()
        return output
    }

    /// Runs `inflate` until the current input slice is consumed.
    private func drainInput(into output: inout [UInt8]) throws(InflateError) {
        let z = stream.pointer
        while z.pointee.avail_in > 0 || z.pointee.avail_out == 0 {
            switch state {
            case .ended:
                throw InflateError(
                    code: .trailingData,
                    detail: "\(z.pointee.avail_in) bytes follow the end of the stream"
                )
            case .betweenMembers:
                inflateReset(z)
                state = .streaming
            case .streaming, .failed:
                break
            }
            // Room for the remaining allowance plus one byte, which detects an overflow.
            let room = min(chunk.count, limit - producedCount + 1)
            let code = chunk.withUnsafeMutableBufferPointer { buffer in
                z.pointee.next_out = buffer.baseAddress
                z.pointee.avail_out = uInt(room)
                defer { z.pointee.next_out = nil }
                return CZlib.inflate(z, Z_NO_FLUSH)
            }
            let produced = room - Int(z.pointee.avail_out)
            let accepted = min(produced, limit - producedCount)
            producedCount += accepted
            try appendBounded(chunk[..<accepted], to: &output)
            if produced > accepted {
                throw InflateError(
                    code: .decompressedSizeExceeded,
                    detail: "the decoded body exceeds the limit of \(limit) bytes"
                )
            }

            switch code {
            case Z_OK:
                continue
            case Z_STREAM_END:
                state = format == .gzip ? .betweenMembers : .ended
                // Leave the loop condition to decide: avail_out may be nonzero now.
                if z.pointee.avail_in == 0 { return }
            case Z_BUF_ERROR:
                return  // no progress possible: zlib needs more input.
            case Z_NEED_DICT:
                throw InflateError(code: .corrupt, detail: "the stream requires a preset dictionary")
            case Z_DATA_ERROR:
                throw InflateError(code: .corrupt, detail: stream.message(code: code))
            default:
                throw InflateError(code: .corrupt, detail: "inflate failed: \(stream.message(code: code))")
            }
        }
    }

    /// Appends `bytes`, growing `output` to no more than its count plus the remaining allowance
    /// (Array's doubling could otherwise reserve up to twice the cap), and only as far as
    /// `mayGrowOutput` allows.
    private func appendBounded(_ bytes: ArraySlice<UInt8>, to output: inout [UInt8]) throws(InflateError) {
        let needed = output.count + bytes.count
        if needed > output.capacity {
            let ceiling = needed + (limit - producedCount)
            let capacity = min(ceiling, max(needed, 2 * output.capacity))
            if let mayGrowOutput, !mayGrowOutput(capacity) {
                throw InflateError(code: .memoryBudgetExceeded, detail: "the server's memory budget cannot hold \(capacity) decoded bytes now")
            }
            output.reserveCapacity(capacity)
        }
        output.append(contentsOf: bytes)
    }
}
