import LossKernels
import Metrics
import Synchronization

/// Runs decoded jobs through the kernels, timing them into the exchange record and recording
/// the job-level metrics (TEAM.md names): `lossd_inflight_jobs`, `lossd_kernel_seconds{loss}`,
/// `lossd_warnings_total{code}`. Until the executable bootstraps a metrics backend these are
/// no-ops.
enum JobRunner {
    private static let inflight = Meter(label: "lossd_inflight_jobs")
    private static let kernelTimers = MetricHandles { (loss: String) in
        Timer(label: "lossd_kernel_seconds", dimensions: [("loss", loss)], preferredDisplayUnit: .seconds)
    }
    private static let warningCounters = MetricHandles { (code: String) in
        Counter(label: "lossd_warnings_total", dimensions: [("code", code)])
    }
    /// Makes the counter of every warning code, so that a metrics backend bootstrapped before
    /// this call exports each at 0 from start (a series that appears only with its first event
    /// breaks `rate()` and alerts on it).
    static func registerWarningCounters() {
        for warning in WarningCode.all { _ = warningCounters[warning.code] }
    }

    /// Requests being answered right now in this process (see `answering(_:)`).
    private static let requestsInProgress = Atomic<Int>(0)

    /// Threads a job may use now. The only request in progress may split its rows across both
    /// cores; while another request is decoding, computing or encoding, the cores are already
    /// busy and a second thread only adds its wake-up and contention. Counting whole requests
    /// rather than only jobs in the kernels served 16% more 8x50257 safetensors requests/s at 16
    /// connections (805 against 695, medians of 5 alternating rounds; lossd CPU per request
    /// 1.33 ms against 1.62 ms).
    static var threadsPerJob: Int { threads(requestsInProgress: requestsInProgress.load(ordering: .relaxed)) }

    /// Threads per job with `count` requests in progress (the job's own included).
    static func threads(requestsInProgress count: Int) -> Int { count > 1 ? 1 : 2 }

    /// Runs `body`, the answering of one request from routing to the encoded answer, counted as
    /// a request in progress: jobs run while other requests are in progress stay on one thread.
    static func answering<R>(_ body: () -> R) -> R {
        requestsInProgress.add(1, ordering: .relaxed)
        defer { requestsInProgress.subtract(1, ordering: .relaxed) }
        return body()
    }

    /// The result of `decoded`; with `gradient`, a float32 job's gradient goes there instead of
    /// into `result.grad` (`Loss.compute(_:gradientInto:)`).
    ///
    /// - Throws: `Problem` (SHAPE_MISMATCH, TARGET_OUT_OF_RANGE, INVALID_TENSOR, INVALID_OPTION)
    ///   pointing at the element as it was sent.
    static func run(
        _ decoded: DecodedJob, record: inout ExchangeRecord, gradientInto gradient: UnsafeMutableBufferPointer<Float>? = nil
    ) throws(Problem) -> LossResult {
        inflight.increment()
        defer { inflight.decrement() }
        let loss = decoded.job.name.rawValue
        record.losses.append(loss)
        var job = decoded.job
        job.maxThreads = threadsPerJob
        let start = ContinuousClock.now
        let outcome = Result { () throws(LossError) -> LossResult in
            if let gradient { try Loss.compute(job, gradientInto: gradient) } else { try Loss.compute(job) }
        }
        let elapsed = ContinuousClock.now - start
        record.compute += elapsed
        kernelTimers[loss].recordNanoseconds(Int64(elapsed.components.seconds) * 1_000_000_000
                + Int64(elapsed.components.attoseconds / 1_000_000_000))
        switch outcome {
        case .success(let result):
            for warning in result.diagnostics.warnings {
                record.warningCodes.append(warning.code)
                warningCounters[warning.code].increment()
            }
            return result
        case .failure(let error):
            throw decoded.problem(for: error)
        }
    }
}
