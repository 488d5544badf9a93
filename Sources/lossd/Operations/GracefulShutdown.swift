import Foundation
import Glibc
import LossAPI
import Logging

/// SIGTERM/SIGINT handling: the drain sequence that Kubernetes expects.
///
/// 1. The first signal turns readiness off at once (`/readyz` answers 503), and the server keeps
///    accepting and serving for `grace`, while load balancers remove the endpoint.
/// 2. Then the listener closes and in-flight requests get up to `deadline` to finish (the
///    `close` action given to `waitForSignalsAndDrain`, which blocks until the server is done).
/// 3. `waitForSignalsAndDrain` returns, and the process exits 0.
///
/// A second signal at any point of the drain exits at once with status 128 + signal number.
///
/// The signals are taken with `sigtimedwait` on the thread that calls `blockSignals()` and then
/// `waitForSignalsAndDrain` (the main thread), not with Dispatch: when every Dispatch worker is
/// busy computing losses, a Dispatch timer or signal handler waits for a free worker, and the
/// drain would start seconds late. `blockSignals()` must run before any other thread exists,
/// so that every thread inherits the blocked mask and the signals stay pending for this one.
struct GracefulShutdown: Sendable {
    let readiness: Readiness
    let grace: Duration
    let deadline: Duration
    let logger: Logger

    /// The signals that start the drain.
    private static let signals = [SIGTERM, SIGINT]

    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it creates afterwards.
    static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for the first signal, then drains: readiness off, `grace` of normal service, then
    /// `close` (stop the listener and finish in-flight work within `deadline`) on its own thread,
    /// while a second signal is still watched for. Returns once `close` has returned.
    func waitForSignalsAndDrain(close: @escaping @Sendable () -> Void) {
        let first = Self.nextSignal(within: nil)!
        readiness.startDraining()
        logger.notice(
            "draining: readiness off, still serving",
            metadata: [
                "signal": .string(Self.name(first)), "grace_s": .stringConvertible(Self.seconds(grace)),
                "deadline_s": .stringConvertible(Self.seconds(deadline)),
            ])
        let graceEnd = ContinuousClock.now + grace
        while ContinuousClock.now < graceEnd {
            if let second = Self.nextSignal(within: graceEnd - ContinuousClock.now) { exitAtOnce(second) }
        }
        logger.notice("closing the listener; finishing in-flight requests")
        let start = ContinuousClock.now
        let finished = DispatchSemaphore(value: 0)
        Thread {
            close()
            finished.signal()
        }.start()
        while finished.wait(timeout: .now()) == .timedOut {
            if let second = Self.nextSignal(within: .milliseconds(20)) { exitAtOnce(second) }
        }
        logger.notice("drained", metadata: ["drain_s": .stringConvertible(Self.seconds(ContinuousClock.now - start))])
    }

    private func exitAtOnce(_ signalNumber: Int32) -> Never {
        logger.warning("second signal: exiting without finishing the drain", metadata: ["signal": .string(Self.name(signalNumber))])
        exit(128 + signalNumber)
    }

    /// The next pending SIGTERM or SIGINT, waiting at most `timeout` (for ever when `nil`).
    private static func nextSignal(within timeout: Duration?) -> Int32? {
        var set = signalSet()
        while true {
            let result: Int32
            if let timeout {
                let (seconds, attoseconds) = max(timeout, .zero).components
                var limit = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                result = sigtimedwait(&set, nil, &limit)
            } else {
                result = sigwaitinfo(&set, nil)
            }
            if result > 0 { return result }
            if errno == EAGAIN { return nil }
            // EINTR: interrupted by another signal; wait again.
        }
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in signals { sigaddset(&set, signalNumber) }
        return set
    }

    private static func name(_ signalNumber: Int32) -> String {
        signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds / 1_000_000_000_000) / 1e6
    }
}
