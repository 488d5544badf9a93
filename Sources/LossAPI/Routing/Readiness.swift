import Synchronization

/// Whether this instance takes traffic: `/readyz` and `/v2/health/ready` answer 200 while it is
/// ready and 503 once `startDraining()` has been called (on SIGTERM, by the executable).
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    /// A ready instance.
    public init() {}

    /// `true` until `startDraining()`.
    public var isReady: Bool { !draining.load(ordering: .acquiring) }

    /// Turns readiness off for good (the process is shutting down).
    public func startDraining() {
        draining.store(true, ordering: .releasing)
    }
}
