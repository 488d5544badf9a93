import LossKernels
import Testing

/// The margin and embedding losses' refusals (+1/-1 targets, class indices, option domains) and
/// warnings (zero-norm and identical vectors), which the golden vectors cannot show.
@Suite struct MarginLossTests {
    private func options(_ loss: LossName, _ pairs: [(String, OptionValue)] = []) throws -> LossOptions {
        var o = LossOptions()
        for (k, v) in pairs { try o.set(k, to: v, for: loss) }
        return o
    }

    private func vector(_ shape: [Int], _ values: [Double]) -> Tensor { Tensor(shape: shape, float64: values) }

    @Test(arguments: [LossName.hingeEmbeddingLoss, .softMarginLoss])
    func signTarget_OutsidePlusMinusOne_NamesTheElement(_ loss: LossName) {
        let job = LossJob(name: loss, input: vector([2, 2], [1, 2, 3, 4]), target: vector([2, 2], [1, -1, 0, 1]))
        #expect(throws: LossError(kind: .invalidTensor, field: "target", flatIndex: 2, index: [1, 0],
                                  detail: "target must be 1 or -1, got 0.0")) { try Loss.compute(job) }
    }

    @Test func cosineEmbedding_TargetOutsidePlusMinusOne_NamesTheElement() throws {
        let job = LossJob(name: .cosineEmbeddingLoss, tensors: [
            "input1": vector([2, 2], [1, 2, 3, 4]), "input2": vector([2, 2], [1, 0, 0, 1]), "target": vector([2], [1, 0.5]),
        ])
        let error = try #require(throws: LossError.self) { try Loss.compute(job) }
        #expect(error.kind == .invalidTensor && error.subject == .tensor("target") && error.index == [1])
    }

    @Test func multiMargin_ClassOutOfRange_IsTargetOutOfRange() throws {
        let job = LossJob(name: .multiMarginLoss, input: vector([2, 3], [1, 2, 3, 4, 5, 6]),
                          target: Tensor(shape: [2], int64: [2, 3]))
        let error = try #require(throws: LossError.self) { try Loss.compute(job) }
        #expect(error.kind == .targetOutOfRange && error.index == [1])
    }

    @Test func multilabelMargin_IndexBelowMinusOne_IsTargetOutOfRange() throws {
        let job = LossJob(name: .multilabelMarginLoss, input: vector([1, 3], [1, 2, 3]),
                          target: Tensor(shape: [1, 3], int64: [0, -1, -2]))
        let error = try #require(throws: LossError.self) { try Loss.compute(job) }
        #expect(error.kind == .targetOutOfRange && error.index == [0, 2])
    }

    @Test func optionDomains_FollowTorch() {
        var o = LossOptions()
        #expect(throws: LossError.self) { try o.set("p", to: .int(3), for: .multiMarginLoss) }
        #expect(throws: LossError.self) { try o.set("margin", to: .double(0), for: .tripletMarginLoss) }
        #expect(throws: LossError.self) { try o.set("margin", to: .double(0), for: .tripletMarginWithDistanceLoss) }
        #expect(throws: LossError.self) { try o.set("distance", to: .string("manhattan"), for: .tripletMarginWithDistanceLoss) }
        #expect((try? o.set("margin", to: .double(-2), for: .cosineEmbeddingLoss)) != nil)
        #expect((try? o.set("p", to: .double(1.5), for: .tripletMarginLoss)) != nil)
    }

    @Test func cosineEmbedding_ZeroNormVector_WarnsAndKeepsPyTorchsGradient() throws {
        let job = LossJob(name: .cosineEmbeddingLoss, tensors: [
            "input1": vector([2, 2], [0, 0, 1, 2]), "input2": vector([2, 2], [3, 4, 2, 1]), "target": vector([2], [1, 1]),
        ], options: try options(.cosineEmbeddingLoss, [("dtype", .string("float64")), ("reduction", .string("sum"))]))
        let result = try Loss.compute(job)
        let warning = try #require(result.diagnostics.warning(.zeroNormVector))
        #expect(warning.count == 1 && warning.examples == [0])
        // -b / sqrt(e (|b|^2 + e)), e = Float(1e-12): about 2e5 times b.
        let e = Double(Float(1e-12))
        #expect(result.grad?.doubles[0] == -3 / (e * (25 + e)).squareRoot())
    }

    @Test func triplet_IdenticalVectors_AndZeroVectors_Warn() throws {
        let tensors = ["anchor": vector([2, 2], [1, 2, 0, 0]), "positive": vector([2, 2], [1, 2, 1, 1]),
                       "negative": vector([2, 2], [3, 1, 2, 2])]
        let pairwise = try Loss.compute(LossJob(name: .tripletMarginLoss, tensors: tensors))
        #expect(pairwise.diagnostics.warning(.identicalVectors)?.examples == [0])
        #expect(pairwise.gradients.map(\.name) == ["anchor", "positive", "negative"])
        let cosine = try Loss.compute(LossJob(name: .tripletMarginWithDistanceLoss, tensors: tensors,
                                              options: try options(.tripletMarginWithDistanceLoss, [("distance", .string("cosine"))])))
        #expect(cosine.diagnostics.warning(.zeroNormVector)?.examples == [1])
    }

    @Test func triplet_CosineDistanceOfUnbatchedVectors_IsRefusedAsTorchDoes() {
        let job = LossJob(name: .tripletMarginWithDistanceLoss,
                          tensors: ["anchor": vector([2], [1, 2]), "positive": vector([2], [1, 0]), "negative": vector([2], [0, 1])],
                          options: try! options(.tripletMarginWithDistanceLoss, [("distance", .string("cosine"))]))
        #expect(throws: LossError.self) { try Loss.compute(job) }
    }
}
