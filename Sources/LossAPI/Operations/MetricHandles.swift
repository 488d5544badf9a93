import Synchronization

/// Metric handles made once per label set and reused. Creating a swift-metrics `Counter` or
/// `Timer` asks the factory each time (a registry lookup under a lock and a check of the name):
/// about 4% of the CPU of a small safetensors request when done for every response. Label sets
/// here are bounded (routes, methods, statuses, loss names, warning codes), so is the cache.
final class MetricHandles<Key: Hashable & Sendable, Handles: Sendable>: Sendable {
    private let make: @Sendable (Key) -> Handles
    private let cache = Mutex<[Key: Handles]>([:])

    /// A cache whose handles for a key are made by `make`, the first time the key is seen.
    init(_ make: @escaping @Sendable (Key) -> Handles) {
        self.make = make
    }

    /// The handles of `key`.
    subscript(key: Key) -> Handles {
        if let handles = cache.withLock({ $0[key] }) { return handles }
        let handles = make(key)
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            cache[key] = handles
            return handles
        }
    }
}
