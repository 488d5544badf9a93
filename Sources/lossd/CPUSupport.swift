import Foundation

/// Whether this CPU runs the LossKernels build inside this binary.
///
/// LossKernels is compiled for the build machine's CPU class (`haswell`: AVX2, FMA, BMI2, F16C,
/// MOVBE; see `kernelTargetCPU` in Package.swift). On a CPU without those instructions the first
/// kernel call would die of SIGILL, so `lossd` checks `/proc/cpuinfo` first (this file is built
/// for the baseline) and refuses to start with the missing features named.
enum CPUSupport {
    /// The `/proc/cpuinfo` flags the kernels were compiled to use (empty for a baseline build).
    static var requiredFlags: [String] {
        #if LOSSD_KERNELS_HASWELL
        ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm"]
        #else
        []
        #endif
    }

    /// The flags of `required` that the first processor of `cpuinfo` (the text of /proc/cpuinfo)
    /// lacks. A text without a `flags` line is taken to lack them all.
    static func missing(_ required: [String], cpuinfo: String) -> [String] {
        let flagsLine = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }
        let present = Set((flagsLine?.split(separator: ":", maxSplits: 1).last ?? "").split(separator: " ").map(String.init))
        return required.filter { !present.contains($0) }
    }

    /// Exits with status 1 and a message on standard error when this CPU lacks a required flag.
    static func requireKernelFeatures() {
        let required = requiredFlags
        guard !required.isEmpty,
            let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        else { return }
        let lacking = missing(required, cpuinfo: cpuinfo)
        guard !lacking.isEmpty else { return }
        FileHandle.standardError.write(Data("""
            lossd: this binary's loss kernels were built for AVX2-class CPUs (x86-64 haswell) and this CPU \
            lacks \(lacking.joined(separator: ", ")); rebuild with LOSSD_TARGET_CPU=baseline swift build -c release

            """.utf8))
        exit(1)
    }
}
