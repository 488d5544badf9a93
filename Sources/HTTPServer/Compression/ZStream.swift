import CZlib

/// A heap-allocated `z_stream` that never moves.
///
/// zlib keeps a back-pointer from its internal state to the `z_stream` and checks it on every
/// call, so the struct must live at a fixed address: it cannot be a Swift stored property of a
/// value that may be copied or moved. `Deflater` and `Inflater` each own one.
struct ZStream {
    let pointer: UnsafeMutablePointer<z_stream>

    /// Allocates a zeroed stream (zlib's defaults: `zalloc`/`zfree`/`opaque` = `Z_NULL`).
    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: z_stream())
    }

    /// Frees the struct; the caller has already called `deflateEnd`/`inflateEnd`.
    func deallocate() {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    /// zlib's message for the last error, or a description of `code` when zlib left none.
    func message(code: Int32) -> String {
        if let message = pointer.pointee.msg { return String(cString: message) }
        return String(cString: zError(code))
    }

    /// Feeds `input` to the stream in slices zlib's 32-bit `avail_in` can hold, calling `body`
    /// once per slice with `next_in`/`avail_in` set; `body` must consume the slice completely.
    func withInput<E: Error>(_ input: UnsafeRawBufferPointer, _ body: () throws(E) -> Void) throws(E) {
        var remaining = input
        repeat {
            let count = min(remaining.count, Int(UInt32.max))
            pointer.pointee.next_in = UnsafeMutablePointer(
                mutating: remaining.baseAddress?.assumingMemoryBound(to: Bytef.self)
            )
            pointer.pointee.avail_in = uInt(count)
            try body()
            remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
        } while !remaining.isEmpty
        pointer.pointee.next_in = nil
        pointer.pointee.avail_in = 0
    }
}

/// Bytes to run through zlib: contiguous storage when the collection has it, else a copy.
func withContiguousBytes<R, E: Error>(
    _ bytes: some Collection<UInt8>,
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let result { return try result.get() }
    return try Array(bytes).withUnsafeBytes { buffer in
        Result { () throws(E) -> R in try body(buffer) }
    }.get()
}
