import LossKernels
import LossTestSupport
import Testing

/// Degenerate and hostile shapes never trap.
struct EdgeInputTests {
    @Test func emptyBatchMean_SafeIsZero_PyTorchIsNaN() throws {
        for name in [LossName.crossEntropy, .nllLoss, .mseLoss] {
            let target = name == .mseLoss ? Tensor(shape: [0, 3], float32: []) : Tensor(shape: [0], int64: [])
            var job = LossJob(name: name, input: Tensor(shape: [0, 3], float32: []), target: target)
            let safe = try Loss.compute(job)
            #expect(safe.value.doubles == [0] && safe.grad?.count == 0)
            job.options.compat = .pytorch
            #expect(try Loss.compute(job).value.doubles[0].isNaN)
        }
    }

    @Test func zeroSizedSpatialDimension_GivesEmptyNoneValue() throws {
        var o = LossOptions()
        o.reduction = .none
        let r = try Loss.compute(LossJob(name: .crossEntropy, input: Tensor(shape: [2, 3, 0], float64: []),
                                         target: Tensor(shape: [2, 0], int64: []), options: o))
        #expect(r.value.shape == [2, 0])
    }

    @Test func overflowingOrNegativeShapes_AreInvalidTensors() {
        for shape in [[Int.max, 2, 2], [-1, 3]] {
            let job = LossJob(name: .crossEntropy, input: Tensor(shape: shape, float32: [1, 2, 3]),
                              target: Tensor(shape: [1], int64: [0]))
            #expect(throws: LossError.self) { try Loss.compute(job) }
        }
    }
}
