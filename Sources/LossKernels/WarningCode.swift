/// A numerical trap a job can reveal: its stable code and the sentence shown with it. Every
/// code lossd can raise is in `WarningCode.all` (as `ProblemCode` lists the errors), so that the
/// API docs, openapi.yaml and the metrics read one table.
public struct WarningCode: Sendable, Hashable {
    /// Stable code, e.g. `IGNORED_ROW_NONFINITE`.
    public let code: String
    /// One sentence for a human.
    public let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public static let ignoredRowNonfinite = WarningCode(
        "IGNORED_ROW_NONFINITE",
        "ignored positions have NaN, +inf or all -inf logits: PyTorch gives their whole row a NaN gradient")
    public static let allTargetsIgnored = WarningCode(
        "ALL_TARGETS_IGNORED", "mean over zero counted targets: PyTorch returns NaN")
    public static let zeroWeightSum = WarningCode(
        "ZERO_WEIGHT_SUM", "the class weights of the counted targets sum to 0: PyTorch's mean is NaN or infinite")
    public static let targetLogitNegInf = WarningCode(
        "TARGET_LOGIT_NEG_INF", "the target class has logit -inf: the loss is infinite")
    public static let nonfiniteInput = WarningCode(
        "NONFINITE_INPUT", "counted positions have NaN or +inf inputs")
    public static let inputLooksLikeProbabilities = WarningCode(
        "INPUT_LOOKS_LIKE_PROBABILITIES",
        "every counted row is in [0, 1] and sums to 1: softmax may have been applied twice")
    public static let inputNotLogProbabilities = WarningCode(
        "INPUT_NOT_LOG_PROBABILITIES",
        "input rows are not log-probabilities (positive values or exp does not sum to 1): apply log_softmax first")
    public static let ignoreIndexIsAClass = WarningCode(
        "IGNORE_INDEX_IS_A_CLASS", "ignore_index is a real class: targets of that class are dropped")
    public static let extremeLogits = WarningCode(
        "EXTREME_LOGITS",
        "the target's logit is more than 87.3 below the row max: float32 softmax underflows its probability to 0")
    public static let probabilityTargetsNotNormalized = WarningCode(
        "PROBABILITY_TARGETS_NOT_NORMALIZED", "probability target rows are negative or do not sum to 1")
    public static let logClamped = WarningCode(
        "LOG_CLAMPED", "log(input) or log(1 - input) fell below PyTorch's clamp at -100")
    public static let zeroNormVector = WarningCode(
        "ZERO_NORM_VECTOR",
        "a vector has norm 0: its cosine is 0 by PyTorch's epsilon, and its gradient is scaled by about 1/epsilon")
    public static let identicalVectors = WarningCode(
        "IDENTICAL_VECTORS",
        "two vectors of a triplet are identical: their distance is the norm of eps alone, with a gradient along (1, ..., 1)")

    public static let nanInTensor = WarningCode(
        "NAN_IN_TENSOR", "has NaN elements: PyTorch carries them into the loss and its gradient")
    public static let zeroTargetInfiniteInput = WarningCode(
        "ZERO_TARGET_INFINITE_INPUT",
        "target 0 where the input is -inf: PyTorch's 0 * -inf term is NaN; safe mode takes its limit, 0")
    public static let saturatedFocalGradient = WarningCode(
        "SATURATED_FOCAL_GRADIENT",
        "saturated logits with gamma < 1: PyTorch's gradient is 0 * inf = NaN there; safe mode takes its limit, 0")
    public static let nonfiniteResult = WarningCode(
        "NONFINITE_RESULT", "the loss or its gradient is not finite: an input or option overflows the dtype")

    public static let infeasibleAlignment = WarningCode(
        "INFEASIBLE_ALIGNMENT",
        "ctc_loss: these samples' targets cannot be aligned to their inputs (target plus the blanks repeats need "
            + "is longer than the input, or every alignment has probability 0): PyTorch gives an infinite loss and "
            + "NaN gradients (0 with zero_infinity); safe mode zeroes the samples")
    public static let varClamped = WarningCode(
        "VAR_CLAMPED", "gaussian_nll_loss: var below eps was clamped to eps (the clamp is not differentiated)")
    public static let poissonInputNearZero = WarningCode(
        "POISSON_INPUT_NEAR_ZERO",
        "poisson_nll_loss with log_input false: rates below 1e-4 make log(input + eps) depend on eps "
            + "(negative rates give NaN); pass log-rates with log_input true")

    /// Every code, in the order the API docs list them.
    public static let all: [WarningCode] = [
        .ignoredRowNonfinite, .allTargetsIgnored, .zeroWeightSum, .targetLogitNegInf, .nonfiniteInput,
        .inputLooksLikeProbabilities, .inputNotLogProbabilities, .ignoreIndexIsAClass, .extremeLogits,
        .probabilityTargetsNotNormalized, .logClamped, .nanInTensor, .zeroTargetInfiniteInput,
        .saturatedFocalGradient, .nonfiniteResult, .zeroNormVector, .identicalVectors, .infeasibleAlignment,
        .varClamped, .poissonInputNearZero,
    ]
}
