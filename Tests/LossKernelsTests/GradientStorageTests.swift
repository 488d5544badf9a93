import LossKernels
import LossTestSupport
import Testing

/// `Loss.compute(_:gradientInto:)` writes the same gradient `compute(_:)` returns.
struct GradientStorageTests {
    @Test(arguments: [(LossName.crossEntropy, [4, 6]), (.crossEntropy, [2, 6, 2]), (.mseLoss, [4, 6])])
    func gradientInto_MatchesReturnedGradient(_ name: LossName, shape: [Int]) throws {
        var g = SeededGenerator(seed: 3)
        let input = Tensor(shape: shape, float32: g.doubles(24).map { Float($0) })
        let positions = [shape[0]] + shape.dropFirst(2)
        let target = name == .crossEntropy ? g.classes(positions, classes: 6, ignored: 0.25)
            : Tensor(shape: shape, float32: g.doubles(24).map { Float($0) })
        let job = LossJob(name: name, input: input, target: target)
        let expected = try Loss.compute(job)
        var storage = [Float](repeating: .nan, count: 24)
        let result = try storage.withUnsafeMutableBufferPointer { try Loss.compute(job, gradientInto: $0) }
        #expect(result.grad == nil)
        #expect(storage == expected.grad!.doubles.map { Float($0) })
        #expect(result.value.doubles == expected.value.doubles)
        #expect(result.diagnostics.stat("grad_l2_norm") == expected.diagnostics.stat("grad_l2_norm"))
    }

    @Test func gradientInto_KeepsTheWholeDiagnostics_IncludingWhatPyTorchWouldHaveGiven() throws {
        // Ignored rows with -inf logits: safe mode answers zeros where PyTorch gives NaN, so the
        // pytorch section compares gradients, which here live in the caller's storage.
        var input = [Float](repeating: 0.5, count: 24)
        for i in 0..<6 { input[i] = -.infinity }
        let job = LossJob(
            name: .crossEntropy, input: Tensor(shape: [4, 6], float32: input),
            target: Tensor(shape: [4], int64: [-100, 1, 2, 3]))
        let expected = try Loss.compute(job)
        #expect(expected.diagnostics.pytorch.contains { $0.key == "grad_nan_elements" })
        var storage = [Float](repeating: .nan, count: 24)
        let result = try storage.withUnsafeMutableBufferPointer { try Loss.compute(job, gradientInto: $0) }
        #expect(result.diagnostics == expected.diagnostics)
    }

    @Test func gradientInto_WrongSize_IsShapeMismatch() {
        let job = LossJob(name: .l1Loss, input: Tensor(shape: [2], float32: [0, 1]), target: Tensor(shape: [2], float32: [1, 1]))
        var storage = [Float](repeating: 0, count: 3)
        #expect(throws: LossError.self) { try storage.withUnsafeMutableBufferPointer { try Loss.compute(job, gradientInto: $0) } }
    }
}
