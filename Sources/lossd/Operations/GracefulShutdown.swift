import Dispatch
import Glibc
import LossAPI
import Logging
import Synchronization

/// SIGTERM/SIGINT handling: the drain sequence that Kubernetes expects.
///
/// 1. The first signal turns readiness off at once (`/readyz` answers 503), and the server keeps
///    accepting and serving for `grace`, while load balancers remove the endpoint.
/// 2. Then the listener closes and in-flight requests get up to `deadline` to finish (the
///    `close` action given to `installSignalHandlers`, which blocks until the server is done).
/// 3. `waitUntilDrained()` returns, and the process exits 0.
///
/// A second signal during the drain exits at once with status 128 + signal number.
final class GracefulShutdown: Sendable {
    private let readiness: Readiness
    private let grace: Duration
    private let deadline: Duration
    private let logger: Logger
    private let queue = DispatchQueue(label: "lossd.signals")
    /// Signals received so far; guarded by the mutex (handlers run on `queue`).
    private let received = Mutex(0)
    /// Signalled once the drain has finished.
    private let drained = DispatchSemaphore(value: 0)
    /// The signal sources, only kept alive here. Written by `installSignalHandlers` alone, on
    /// the thread that starts the server, before any signal can be handled; never read.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    /// A drain that keeps serving for `grace`, then allows `deadline` for in-flight work.
    init(readiness: Readiness, grace: Duration, deadline: Duration, logger: Logger) {
        self.readiness = readiness
        self.grace = grace
        self.deadline = deadline
        self.logger = logger
    }

    /// Routes SIGTERM and SIGINT to the drain; `close` stops the listener and blocks until
    /// in-flight work has finished or `deadline` has passed.
    func installSignalHandlers(close: @escaping @Sendable () -> Void) {
        for signalNumber in [SIGTERM, SIGINT] {
            // The default action would kill the process before the source sees the signal.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [self] in
                self.signalled(signalNumber, close: close)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Blocks until a signal has run the whole drain.
    func waitUntilDrained() {
        drained.wait()
    }

    private func signalled(_ signalNumber: Int32, close: @escaping @Sendable () -> Void) {
        let count = received.withLock { count in
            count += 1
            return count
        }
        let name = signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"
        guard count == 1 else {
            logger.warning("second signal: exiting without finishing the drain", metadata: ["signal": .string(name)])
            exit(128 + signalNumber)
        }
        readiness.startDraining()
        logger.notice(
            "draining: readiness off, still serving",
            metadata: [
                "signal": .string(name), "grace_s": .stringConvertible(Self.seconds(grace)),
                "deadline_s": .stringConvertible(Self.seconds(deadline)),
            ])
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.dispatchInterval(grace)) { [self] in
            self.logger.notice("closing the listener; finishing in-flight requests")
            let start = ContinuousClock.now
            close()
            self.logger.notice(
                "drained", metadata: ["drain_s": .stringConvertible(Self.seconds(ContinuousClock.now - start))])
            self.drained.signal()
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
