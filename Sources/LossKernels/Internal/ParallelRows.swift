import Glibc

/// Runs a body on one or two threads: the calling thread and `HelperThread`, a POSIX thread kept
/// for the process's life (LossKernels may not use Dispatch or Foundation). When the helper is
/// busy with another job, or has not picked its part up by the time the caller is done, the
/// caller runs that part too. Work is shared out with a `ChunkQueue`, so a part that starts late
/// finds little or nothing left.
enum ParallelRows {
    /// Two parts (the machine's cores) when `maxThreads` allows it and there are at least
    /// `minimumWork` units of work (2^18 elements: about a quarter millisecond per core, well
    /// above the cost of waking a thread).
    static func parts(rows: Int, work: Int, maxThreads: Int, minimumWork: Int = 1 << 18) -> Int {
        maxThreads >= 2 && rows >= 2 && work >= minimumWork ? 2 : 1
    }

    /// Calls `body(part)` for every part in 0..<parts, part 0 on the helper thread when it is
    /// free, and returns when all are done.
    ///
    /// A new pthread per job (as before) cost a `clone3`, an 8 MiB stack mapping and its
    /// release for every large request: under load about one 8x50257 request in two split.
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        withoutActuallyEscaping(body) { body in
            let helper = HelperThread.shared
            let handedOver = helper.submit { body(0) }
            for part in 1..<parts { body(part) }
            if !handedOver || !helper.finish() { body(0) }
        }
    }
}

/// One long-lived POSIX thread that runs one piece of work at a time for `ParallelRows`.
///
/// States, under the mutex: idle → submitted (`submit`) → running (the thread took it) →
/// finished → idle (`finish`). `finish` withdraws work the thread has not started, so a caller
/// never waits for a thread the scheduler has not run yet.
final class HelperThread: @unchecked Sendable {
    /// The process's helper, started on first use.
    static let shared = HelperThread()

    private enum State { case idle, submitted, running, finished }

    private var state = State.idle
    private var work: (() -> Void)?
    private var threadStarted = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when work is submitted.
    private let submitted = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled when the work is finished.
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(submitted, nil)
        pthread_cond_init(finished, nil)
    }

    /// Hands `work` to the thread; returns false (and keeps nothing) when it is busy with other
    /// work or cannot be started. After `true`, call `finish()` exactly once.
    func submit(_ work: @escaping () -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard state == .idle, threadStarted || startThread() else { return false }
        self.work = work
        state = .submitted
        pthread_cond_signal(submitted)
        return true
    }

    /// Waits for the submitted work to finish and returns true, or withdraws it and returns
    /// false when the thread has not started it. Either way the work is released on return.
    func finish() -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let ran = state != .submitted
        while state == .running { pthread_cond_wait(finished, mutex) }
        state = .idle
        work = nil
        return ran
    }

    /// Starts the thread (detached; it runs until the process exits). Called with the mutex held.
    private func startThread() -> Bool {
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<HelperThread>.fromOpaque(raw!).takeUnretainedValue().serve()
        }, Unmanaged.passUnretained(self).toOpaque())
        guard status == 0 else { return false }
        pthread_detach(thread)
        threadStarted = true
        return true
    }

    /// The thread's loop: take submitted work, run it outside the lock, report it finished.
    private func serve() -> Never {
        pthread_mutex_lock(mutex)
        while true {
            while state != .submitted { pthread_cond_wait(submitted, mutex) }
            state = .running
            runSubmittedWork()
            state = .finished
            pthread_cond_signal(finished)
        }
    }

    /// Runs the submitted work with the mutex released. The thread's reference to it ends with
    /// this function, before `finish()` can see the state finished: `ParallelRows` lends a
    /// non-escaping closure (`withoutActuallyEscaping` traps if a reference outlives it).
    private func runSubmittedWork() {
        let work = self.work!
        pthread_mutex_unlock(mutex)
        work()
        pthread_mutex_lock(mutex)
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
