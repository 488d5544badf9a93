import Synchronization

/// The process-wide budget of bytes that requests in flight may hold: their bodies as received,
/// their bodies once inflated, and the handler's working set (`workingSetEstimate`). A request
/// reserves before the memory is spent and is answered 503 with `Retry-After` when its bytes do
/// not fit. A request that holds every reserved byte (it is alone) is always granted what it
/// asks: the per-request caps bound it, and a legal request must not wait forever for a budget
/// smaller than itself.
final class MemoryBudget: Sendable {
    /// The most bytes reserved at once (but see the lone-request rule above).
    let capacity: Int
    private let reserved = Mutex<Int>(0)

    /// The detail of the 503 answered when a request's bytes do not fit.
    static let refusal = "the memory budget for requests in flight is spent, retry later"

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Bytes reserved now, by every request together.
    var reservedBytes: Int { reserved.withLock { $0 } }

    /// Reserves `bytes` more for a request that already holds `held`; `false` (nothing reserved)
    /// when they do not fit beside the other requests' reservations.
    func reserve(_ bytes: Int, holding held: Int) -> Bool {
        guard bytes > 0 else { return true }
        return reserved.withLock { used in
            guard used == held || bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    /// Gives back `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        reserved.withLock { $0 -= bytes }
    }
}

/// The bytes one request holds in a `MemoryBudget` (none when the budget is off), given back by
/// `releaseAll()` or when the lease is deinitialised, so that no path (a closed connection, a
/// failed decode) can leak a reservation. Used from one queue at a time: the connection's while
/// the body arrives, then the handler's.
final class MemoryLease: @unchecked Sendable {
    private let budget: MemoryBudget?
    /// Bytes held now.
    private(set) var bytes = 0

    init(budget: MemoryBudget?) {
        self.budget = budget
    }

    deinit { releaseAll() }

    /// Grows the reservation to `total` bytes (a smaller total keeps what is held); `false` when
    /// the budget cannot grant the difference.
    func grow(to total: Int) -> Bool {
        guard let budget, total > bytes else { return true }
        guard budget.reserve(total - bytes, holding: bytes) else { return false }
        bytes = total
        return true
    }

    /// Gives every held byte back.
    func releaseAll() {
        budget?.release(bytes)
        bytes = 0
    }
}
