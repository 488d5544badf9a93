import Dispatch
import Glibc
import Synchronization
import Testing

@testable import LossKernels

/// `ParallelRows` with its long-lived `HelperThread`: every part runs exactly once and every
/// chunk is taken exactly once, whether the helper takes its part, is busy with another job, or
/// has its part withdrawn; and the helper is reused rather than a thread started per job.
struct ParallelRowsTests {
    @Test func everyPartAndChunkRunsOnce_UnderConcurrentJobs() {
        let chunks = 37
        let failures = Atomic<Int>(0)
        let helperRuns = Atomic<Int>(0)
        // Batches of concurrent jobs until the helper has taken some parts (other suites may
        // hold it for a while), so that both the helper and the withdrawal paths are checked.
        for _ in 0..<50 where helperRuns.load(ordering: .relaxed) == 0 {
            DispatchQueue.concurrentPerform(iterations: 100) { _ in
                let queue = ChunkQueue(count: chunks)
                let partCalls = Mutex<[Int]>([0, 0])
                let taken = Mutex<[Int]>([Int](repeating: 0, count: chunks))
                let caller = pthread_self()
                ParallelRows.run(parts: 2) { part in
                    partCalls.withLock { $0[part] += 1 }
                    if pthread_equal(pthread_self(), caller) == 0 { helperRuns.add(1, ordering: .relaxed) }
                    while let chunk = queue.next() {
                        taken.withLock { $0[chunk] += 1 }
                        // A little work per chunk, so that the helper often joins before the end.
                        var x = 0.0
                        for i in 0..<2_000 { x += Double(i).squareRoot() }
                        if x < 0 { failures.add(1, ordering: .relaxed) }
                    }
                }
                if partCalls.withLock({ $0 }) != [1, 1] || taken.withLock({ $0.contains { $0 != 1 } }) {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(helperRuns.load(ordering: .relaxed) > 0)
    }

    @Test func theHelperIsOneThread_ReusedAcrossJobs() {
        let threads = Mutex<Set<UInt>>([])
        let caller = pthread_self()
        var jobs = 0
        // At least 200 jobs, and on until the helper has run a part (other suites may hold it).
        while threads.withLock({ $0.isEmpty }) || jobs < 200, jobs < 20_000 {
            jobs += 1
            ParallelRows.run(parts: 2) { _ in
                // Long enough that the helper usually picks its part up before it is withdrawn.
                var x = 0.0
                for i in 0..<20_000 { x += Double(i).squareRoot() }
                if x > 0, pthread_equal(pthread_self(), caller) == 0 { threads.withLock { _ = $0.insert(pthread_self()) } }
            }
        }
        #expect(threads.withLock { $0.count } == 1, "after \(jobs) jobs")
    }

    @Test func onePart_RunsOnTheCaller() {
        let caller = pthread_self()
        var onCaller = false
        ParallelRows.run(parts: 1) { _ in onCaller = pthread_equal(pthread_self(), caller) != 0 }
        #expect(onCaller)
    }
}
