/// Namespace for the loss kernels: `Loss.compute(_:)` runs one job; `Loss.catalogue` describes
/// every loss and its options.
///
/// LossKernels is pure math: no Foundation, no Dispatch, no I/O (stdlib + Glibc only). It can be
/// imported on its own by a Swift training loop.
public enum Loss {}

/// A loss by its PyTorch wire name (`cross_entropy`, `ctc_loss`, ...). Each loss declares its
/// name beside its descriptor, in the loss's own file; `Loss.catalogue` lists every one.
public struct LossName: Hashable, Sendable, CustomStringConvertible {
    /// The wire name.
    public let rawValue: String

    /// A name declared by a loss's file (not checked against the catalogue).
    init(declaring rawValue: String) { self.rawValue = rawValue }

    /// The loss called `rawValue`, or nil when the catalogue has none of that name.
    public init?(rawValue: String) {
        guard Loss.catalogue.contains(where: { $0.name.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// Every loss, in catalogue order.
    public static var allCases: [LossName] { Loss.catalogue.map(\.name) }

    public var description: String { rawValue }
}

/// How per-element losses are combined, with PyTorch's names.
public enum Reduction: String, CaseIterable, Sendable {
    /// One loss per sample (per position for K-dimensional inputs).
    case none
    /// The (weighted, for class-index targets) mean.
    case mean
    /// The plain sum.
    case sum
    /// `kl_div` only: the sum divided by the first dimension of the input.
    case batchmean
}

/// Whether lossd reproduces PyTorch's NaNs or removes the ones caused by ignored positions.
public enum CompatMode: String, CaseIterable, Sendable {
    /// Ignored positions contribute exactly zero value and gradient whatever their logits; a mean
    /// over zero counted targets is 0 with a zero gradient. Each difference raises a warning and
    /// is described in `Diagnostics.pytorch`.
    case safe
    /// Reproduce PyTorch exactly, NaNs included.
    case pytorch
}

/// The floating-point type a job is computed and answered in.
public enum DType: String, CaseIterable, Sendable {
    /// IEEE binary32 (PyTorch's default); sums are accumulated in `Double`.
    case float32
    /// IEEE binary64.
    case float64
}
