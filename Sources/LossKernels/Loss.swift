/// Namespace for the loss kernels: `Loss.compute(_:)` runs one job; `Loss.catalogue` describes
/// every loss and its options.
///
/// LossKernels is pure math: no Foundation, no Dispatch, no I/O (stdlib + Glibc only). It can be
/// imported on its own by a Swift training loop.
public enum Loss {}

/// The losses lossd computes, by their PyTorch wire names.
public enum LossName: String, CaseIterable, Sendable {
    /// `torch.nn.functional.cross_entropy` (+ lossd extras `temperature`, `z_loss`).
    case crossEntropy = "cross_entropy"
    /// `torch.nn.functional.nll_loss`.
    case nllLoss = "nll_loss"
    /// `torch.nn.functional.binary_cross_entropy` (log clamped at -100).
    case binaryCrossEntropy = "binary_cross_entropy"
    /// `torch.nn.functional.binary_cross_entropy_with_logits`.
    case binaryCrossEntropyWithLogits = "binary_cross_entropy_with_logits"
    /// `torch.nn.functional.kl_div`.
    case klDiv = "kl_div"
    /// `torch.nn.functional.mse_loss`.
    case mseLoss = "mse_loss"
    /// `torch.nn.functional.l1_loss`.
    case l1Loss = "l1_loss"
    /// `torch.nn.functional.smooth_l1_loss`.
    case smoothL1Loss = "smooth_l1_loss"
    /// `torch.nn.functional.huber_loss`.
    case huberLoss = "huber_loss"
    /// `torchvision.ops.sigmoid_focal_loss`.
    case sigmoidFocalLoss = "sigmoid_focal_loss"
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
