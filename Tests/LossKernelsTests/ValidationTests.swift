import LossKernels
import LossTestSupport
import Testing

/// Bad jobs come back as `LossError` values naming the field and the first offender.
struct ValidationTests {
    static func error(_ job: LossJob) -> LossError? {
        do {
            _ = try Loss.compute(job)
            return nil
        } catch {
            return error
        }
    }

    static let logits = Tensor(shape: [2, 3, 2], float64: (0..<12).map { Double($0) / 7 })

    @Test func targetOutOfRange_ReportsFlatAndMultiDimensionalIndex() throws {
        let job = LossJob(name: .crossEntropy, input: Self.logits, target: Tensor(shape: [2, 2], int64: [0, 1, 2, 3]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .targetOutOfRange && e.subject == .tensor("target") && e.flatIndex == 3 && e.index == [1, 1])
    }

    /// Issue 18: a size 0 once excused the other sizes from the overflow check, and the class
    /// layout of this empty input overflowed computing its inner size (a trap).
    @Test func emptyInputWithOverflowingSizes_IsInvalidTensor_NotATrap() throws {
        #expect(Tensor.elementCount(of: [0, 1, 1 << 40, 1 << 40]) == nil)
        #expect(Tensor.elementCount(of: [0, 1, 1 << 40, 1 << 40], atMost: 1 << 40) == nil)
        #expect(Tensor.elementCount(of: [3, 0, 1 << 38], atMost: 1 << 40) == 0)
        #expect(Tensor.elementCount(of: [3, 0, 1 << 38], atMost: 1 << 39) == nil)
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [0, 1, 1 << 32, 1 << 32], float32: []),
                          target: Tensor(shape: [0, 1 << 32, 1 << 32], int64: []))
        let e = try #require(Self.error(job))
        #expect(e.kind == .invalidTensor && e.subject == .tensor("input"))
    }

    @Test func negativeTargetOtherThanIgnoreIndex_IsOutOfRange() throws {
        let job = LossJob(name: .nllLoss, input: Tensor(shape: [3, 2], float32: [0, 0, 0, 0, 0, 0]),
                          target: Tensor(shape: [3], int64: [-100, 1, -1]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .targetOutOfRange && e.flatIndex == 2 && e.index == [2])
    }

    @Test func ignoreIndexOutsideClasses_IsAccepted() throws {
        var o = LossOptions()
        try o.set(.ignoreIndex, to: .int(255))
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [2, 3], float64: [1, 2, 3, 4, 5, 6]),
                          target: Tensor(shape: [2], int64: [255, 1]), options: o)
        #expect(Self.error(job) == nil)
    }

    @Test func targetShapeMismatch_IsShapeMismatch() throws {
        let job = LossJob(name: .crossEntropy, input: Self.logits, target: Tensor(shape: [2, 3], int64: [0, 0, 0, 0, 0, 0]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("target"))
    }

    /// PyTorch's (N,1) vs (N) trap (#16045): lossd refuses and says what PyTorch would have done.
    @Test func regressionTargetThatWouldBroadcast_IsShapeMismatch_NamingTheBroadcast() throws {
        let job = LossJob(name: .mseLoss, input: Tensor(shape: [3, 1], float64: [1, 2, 3]),
                          target: Tensor(shape: [3], float64: [1, 2, 3]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("target"))
        #expect(e.detail.contains("broadcast both to [3, 3]") && e.detail.contains("#16045"))
        let unrelated = LossJob(name: .l1Loss, input: Tensor(shape: [2], float64: [1, 2]),
                                target: Tensor(shape: [3], float64: [1, 2, 3]))
        #expect(try #require(Self.error(unrelated)).detail.contains("broadcast") == false)
    }

    @Test func probabilityTargetsOfWrongShape_AreShapeMismatch() throws {
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [2, 3], float64: [1, 2, 3, 4, 5, 6]),
                          target: Tensor(shape: [2, 2], float64: [0.5, 0.5, 0.5, 0.5]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("target") && e.detail.contains("probability"))
    }

    @Test func nonIntegralFloatClassTarget_IsInvalidTensor() throws {
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [2, 3], float64: [1, 2, 3, 4, 5, 6]),
                          target: Tensor(shape: [2], float64: [1, 0.5]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .invalidTensor && e.flatIndex == 1)
    }

    @Test func binaryCrossEntropyInputOutsideUnitInterval_IsInvalidTensorWithIndex() throws {
        let job = LossJob(name: .binaryCrossEntropy, input: Tensor(shape: [2, 2], float32: [0.5, 0.2, 1.5, .nan]),
                          target: Tensor(shape: [2, 2], float32: [1, 0, 1, 0]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .invalidTensor && e.subject == .tensor("input") && e.flatIndex == 2 && e.index == [1, 0])
    }

    @Test func weightOfWrongLength_IsShapeMismatchOnWeight() throws {
        let job = LossJob(name: .crossEntropy, input: Self.logits, target: Tensor(shape: [2, 2], int64: [0, 1, 2, 0]),
                          weight: Tensor(shape: [2], float64: [1, 1]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("weight"))
    }

    @Test func posWeightThatDoesNotBroadcast_IsShapeMismatch() throws {
        let job = LossJob(name: .binaryCrossEntropyWithLogits, input: Tensor(shape: [2, 3], float64: [0, 0, 0, 0, 0, 0]),
                          target: Tensor(shape: [2, 3], float64: [0, 1, 0, 1, 0, 1]), posWeight: Tensor(shape: [2], float64: [1, 2]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("pos_weight"))
    }

    @Test func batchmeanOutsideKLDiv_IsInvalidOption() throws {
        var o = LossOptions()
        o.reduction = .batchmean
        let job = LossJob(name: .mseLoss, input: Tensor(shape: [2], float64: [0, 1]), target: Tensor(shape: [2], float64: [1, 1]),
                          options: o)
        let e = try #require(Self.error(job))
        #expect(e.kind == .invalidOption && e.subject == .option("reduction"))
    }

    @Test func ignoreIndexWithProbabilityTargets_IsInvalidOption() throws {
        var o = LossOptions()
        try o.set(.ignoreIndex, to: .int(0))
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [1, 2], float64: [0, 1]),
                          target: Tensor(shape: [1, 2], float64: [0.5, 0.5]), options: o)
        #expect(Self.error(job)?.subject == .option("ignore_index"))
    }

    @Test func storageThatDisagreesWithShape_IsInvalidTensor() throws {
        let job = LossJob(name: .l1Loss, input: Tensor(shape: [3], float64: [0, 1]), target: Tensor(shape: [3], float64: [0, 1, 2]))
        let e = try #require(Self.error(job))
        #expect(e.kind == .invalidTensor && e.subject == .tensor("input"))
    }

    @Test func gradOutputOfWrongShape_IsShapeMismatch() throws {
        let job = LossJob(name: .mseLoss, input: Tensor(shape: [2], float64: [0, 1]), target: Tensor(shape: [2], float64: [1, 1]),
                          gradOutput: Tensor(shape: [3], float64: [1, 1, 1]))
        #expect(Self.error(job)?.subject == .tensor("grad_output"))
    }

    @Test func scalarInputToCrossEntropy_IsShapeMismatch() throws {
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [], float64: [1]), target: Tensor(shape: [], int64: [0]))
        #expect(Self.error(job)?.kind == .shapeMismatch)
    }

    @Test func regressionTargetOfOtherShape_IsShapeMismatchNotBroadcast() throws {
        let job = LossJob(name: .mseLoss, input: Tensor(shape: [3, 1], float64: [0, 1, 2]), target: Tensor(shape: [3], float64: [0, 1, 2]))
        #expect(Self.error(job)?.kind == .shapeMismatch)
    }

    @Test func weightOnLossWithoutWeights_IsRejected() throws {
        let job = LossJob(name: .huberLoss, input: Tensor(shape: [1], float64: [0]), target: Tensor(shape: [1], float64: [1]),
                          weight: Tensor(shape: [1], float64: [1]))
        #expect(Self.error(job)?.subject == .tensor("weight"))
    }
}
