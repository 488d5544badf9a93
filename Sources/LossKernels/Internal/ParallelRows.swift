import Glibc

/// Runs a body on one or two threads: the calling thread and POSIX threads (LossKernels may not
/// use Dispatch or Foundation). If a thread cannot be created its part runs on the calling
/// thread instead. Work is shared out with a `ChunkQueue`.
enum ParallelRows {
    /// Two parts (the machine's cores) when `maxThreads` allows it and there are at least
    /// `minimumWork` units of work (2^18 elements: about a quarter millisecond per core, well
    /// above the cost of a thread).
    static func parts(rows: Int, work: Int, maxThreads: Int, minimumWork: Int = 1 << 18) -> Int {
        maxThreads >= 2 && rows >= 2 && work >= minimumWork ? 2 : 1
    }

    /// Heap box for the closure handed to a pthread; the thread only reads it and the caller
    /// joins before the box (and the closure's captures) go away.
    private final class Job {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Calls `body(part)` for every part in 0..<parts, concurrently, and returns when all are done.
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            var threads: [(pthread_t, Unmanaged<Job>)] = []
            var inline: [Int] = []
            for p in 0..<(parts - 1) {
                let job = Unmanaged.passRetained(Job { body(p) })
                var thread = pthread_t()
                let status = pthread_create(&thread, nil, { raw in
                    Unmanaged<Job>.fromOpaque(raw!).takeUnretainedValue().run()
                    return nil
                }, job.toOpaque())
                if status == 0 { threads.append((thread, job)) } else { job.release(); inline.append(p) }
            }
            body(parts - 1)
            for p in inline { body(p) }
            for (thread, job) in threads {
                pthread_join(thread, nil)
                job.release()
            }
        }
    }
}

/// Hands out the chunk indices 0..<count, each once and in increasing order, to whichever
/// thread asks next. The counter is guarded by a pthread mutex (uncontended: one lock per
/// chunk of ~64 Ki elements).
final class ChunkQueue {
    let count: Int
    private var nextChunk = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(count: Int) {
        self.count = count
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func next() -> Int? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard nextChunk < count else { return nil }
        nextChunk += 1
        return nextChunk - 1
    }
}
