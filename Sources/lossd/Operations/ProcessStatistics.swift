import Glibc

/// Figures about this process read from `/proc/self` (Linux), for the process gauges on
/// `/metrics`. Any figure that cannot be read is 0.
struct ProcessStatistics {
    /// Resident set size in bytes (`/proc/self/statm`, second field, times the page size).
    var residentBytes: Int
    /// Open file descriptors (entries of `/proc/self/fd`, less the one used to list them).
    var openDescriptors: Int

    /// The figures now.
    static func current() -> ProcessStatistics {
        let pages = readFile("/proc/self/statm").split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return ProcessStatistics(
            residentBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))),
            openDescriptors: countDescriptors()
        )
    }

    /// Process start time in seconds since the Unix epoch (boot time plus `starttime` ticks).
    static func startTimeSeconds() -> Double? {
        let stat = statFields()
        guard stat.count > 21, let startTicks = Double(stat[21]) else { return nil }
        let boot = readFile("/proc/stat").split(separator: "\n").first { $0.hasPrefix("btime ") }
        guard let bootSeconds = boot.flatMap({ Double($0.dropFirst(6)) }) else { return nil }
        return bootSeconds + startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The fields of `/proc/self/stat`, numbered from 0; the command name (field 1, which may
    /// contain spaces) is skipped over by splitting after its closing parenthesis.
    private static func statFields() -> [Substring] {
        let text = readFile("/proc/self/stat")
        guard let close = text.lastIndex(of: ")") else { return [] }
        let rest = text[text.index(after: close)...].split(separator: " ")
        return ["pid", "comm"] + rest
    }

    private static func countDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count - 1  // the descriptor opendir itself holds
    }

    private static func readFile(_ path: String) -> String {
        String(decoding: (try? SmallFile.read(path, limit: 1 << 20)) ?? [], as: UTF8.self)
    }
}
