import Glibc

/// Asks Linux for transparent huge pages on a large, not yet touched buffer (the gradient).
///
/// With THP in `madvise` mode (this machine's setting) a fresh 0.5 GB gradient otherwise takes
/// ~130k page faults on first write, which cost more than the kernel itself; with 2 MiB pages
/// it takes ~250. Only the 2 MiB-aligned interior is advised; failure is harmless (plain pages).
enum HugePages {
    static func advise(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        let huge = 2 << 20
        guard bytes >= 4 * huge else { return }
        let start = (Int(bitPattern: pointer) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: pointer) + bytes) & ~(huge - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    }
}
