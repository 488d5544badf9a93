import Glibc

/// Splits `0..<count` into `parts` contiguous ranges and runs `body(range, part)` on each, the
/// last on the calling thread and the others on POSIX threads (LossKernels may not use Dispatch
/// or Foundation). If a thread cannot be created its part runs on the calling thread instead.
enum ParallelRows {
    /// Two parts (the machine's cores) when there are at least `minimumWork` units of work
    /// (2^18 elements: about a quarter millisecond per core, well above the cost of a thread).
    static func parts(rows: Int, work: Int, minimumWork: Int = 1 << 18) -> Int {
        rows >= 2 && work >= minimumWork ? 2 : 1
    }

    /// Heap box for the closure handed to a pthread; the thread only reads it and the caller
    /// joins before the box (and the closure's captures) go away.
    private final class Job {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func run(count: Int, parts: Int, _ body: (Range<Int>, Int) -> Void) {
        guard parts > 1 else { return body(0..<count, 0) }
        withoutActuallyEscaping(body) { body in
            var threads: [(pthread_t, Unmanaged<Job>)] = []
            var inline: [Int] = []
            func range(_ p: Int) -> Range<Int> { (count * p / parts)..<(count * (p + 1) / parts) }
            for p in 0..<(parts - 1) {
                let job = Unmanaged.passRetained(Job { body(range(p), p) })
                var thread = pthread_t()
                let status = pthread_create(&thread, nil, { raw in
                    Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue().run()
                    return nil
                }, job.toOpaque())
                if status == 0 { threads.append((thread, job)) } else { job.release(); inline.append(p) }
            }
            body(range(parts - 1), parts - 1)
            for p in inline { body(range(p), p) }
            for (thread, job) in threads {
                pthread_join(thread, nil)
                job.release()
            }
        }
    }
}
