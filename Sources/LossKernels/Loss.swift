/// Namespace for the loss kernels: `Loss.crossEntropy(...)`, `Loss.mseLoss(...)`, ...
///
/// LossKernels is pure math: no Foundation, no Dispatch, no I/O. It can be imported on its
/// own by a Swift training loop.
public enum Loss {}
