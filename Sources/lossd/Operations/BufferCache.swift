import CMalloc

/// Keeps request-sized buffers in the process between requests (`--buffer-cache-mib`).
///
/// Every request allocates a few buffers as large as its tensors (body, decoded input, gradient,
/// response). glibc maps each block above its mmap threshold (128 KiB at first, raised only as
/// such blocks are freed) fresh from the kernel and unmaps it on free, so a 1.6 MB gradient costs
/// ~400 page faults, the zeroing of every page and an unmap on every request: in a perf profile of
/// 8x50257 safetensors jobs under load, page faults were about a tenth of lossd's time. With the
/// threshold at 32 MiB (glibc's ceiling) and the heap trimmed only above the cache size, freed
/// buffers are reused warm instead (that job under scripts/bench-api.sh's wrk load, 16
/// connections: about 850 -> 1000 req/s).
/// Blocks above 32 MiB (a 0.5 GB gradient) are still mapped and unmapped: caching those would pin
/// too much memory. The price is resident memory that stays up to the cache size after a burst.
enum BufferCache {
    /// glibc refuses mmap thresholds above half its 64 MiB heap size.
    static let largestCachedBlock = 32 << 20

    /// Sets glibc's mmap and trim thresholds so that up to `mebibytes` of freed memory stay in the
    /// process; 0 leaves glibc's adaptive defaults. Returns whether glibc took both settings.
    @discardableResult
    static func retain(mebibytes: Int) -> Bool {
        guard mebibytes > 0 else { return true }
        let bytes = Int32(clamping: mebibytes << 20)
        return mallopt(M_MMAP_THRESHOLD, Int32(min(Int(bytes), largestCachedBlock))) == 1
            && mallopt(M_TRIM_THRESHOLD, bytes) == 1
    }
}
