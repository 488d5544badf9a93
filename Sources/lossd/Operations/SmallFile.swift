import Glibc

/// Reads small files whole with plain system calls (token files, `/proc/self/*`).
enum SmallFile {
    /// Why a file could not be opened: the `strerror` text.
    struct OpenError: Error, CustomStringConvertible {
        let description: String
    }

    /// The first `limit` bytes of the file at `path` (fewer when it is shorter).
    ///
    /// - Throws: `OpenError` when the file cannot be opened.
    static func read(_ path: String, limit: Int) throws(OpenError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OpenError(description: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return Array(bytes.prefix(limit))
    }
}
