import CMalloc
import Foundation
import Testing

@testable import lossd

/// What `lossd` sets up in its process before serving: the CPU check and the buffer cache.
struct ProcessSetupTests {
    private static let cpuinfo = """
        processor\t: 0
        flags\t\t: fpu sse2 avx avx2 fma bmi1 bmi2 f16c movbe abm
        processor\t: 1
        """

    @Test func cpuSupport_NamesExactlyTheMissingFlags() {
        #expect(CPUSupport.missing(["avx2", "fma"], cpuinfo: Self.cpuinfo).isEmpty)
        #expect(CPUSupport.missing(["avx2", "avx512f", "movbe", "sha_ni"], cpuinfo: Self.cpuinfo) == ["avx512f", "sha_ni"])
        #expect(CPUSupport.missing(["avx2"], cpuinfo: "processor : 0\n") == ["avx2"])
    }

    @Test func cpuSupport_ThisMachineRunsThisBuild() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(CPUSupport.missing(CPUSupport.requiredFlags, cpuinfo: cpuinfo).isEmpty)
    }

    /// With the cache on, a freed 4 MiB block is reused from the heap: no new mapping (hblks) for
    /// the next one. glibc's default would map a fresh block for it.
    @Test func bufferCache_KeepsRequestSizedBlocksOnTheHeap() {
        #expect(BufferCache.retain(mebibytes: 256))
        let mappedBefore = mallinfo2().hblks
        for _ in 0..<4 {
            let block = malloc(4 << 20)
            #expect(block != nil)
            #expect(mallinfo2().hblks == mappedBefore)
            free(block)
        }
    }
}
