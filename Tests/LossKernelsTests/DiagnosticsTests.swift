import Glibc
import LossKernels
import LossTestSupport
import Testing

/// Counts, statistics, warnings and the pytorch section.
private let inf = Double.infinity

struct DiagnosticsTests {

    @Test func maskedIgnoredRow_WarnsAndSaysWhatPyTorchGives() throws {
        let x = Tensor(shape: [3, 3], float64: [1, 2, 3, -inf, -inf, -inf, 0.5, -inf, 0])
        let job = LossJob(name: .crossEntropy, input: x, target: Tensor(shape: [3], int64: [2, -100, 0]))
        let r = try Loss.compute(job)
        let w = try #require(r.diagnostics.warning("IGNORED_ROW_NONFINITE"))
        #expect(w.count == 1 && w.examples == [1])
        #expect(r.grad!.doubles[3...5].allSatisfy { $0 == 0 })
        #expect(r.diagnostics.pytorch.contains(Diagnostics.Entry("grad_nan_elements", .int(3))))
        #expect(r.diagnostics.count("fully_masked_rows") == 1 && r.diagnostics.count("neg_inf") == 4)
        #expect(r.diagnostics.count("ignored") == 1 && r.diagnostics.count("counted") == 2)
    }

    @Test func allTargetsIgnored_SafeZeroWithPyTorchNaN() throws {
        let job = LossJob(name: .crossEntropy, input: Tensor(shape: [2, 2], float32: [1, 2, 3, 4]),
                          target: Tensor(shape: [2], int64: [-100, -100]))
        let r = try Loss.compute(job)
        #expect(r.value.doubles == [0])
        #expect(r.diagnostics.warning("ALL_TARGETS_IGNORED") != nil)
        let torchValue = r.diagnostics.pytorch.first { $0.key == "value" }?.value
        guard case .double(let v) = torchValue else { Issue.record("no pytorch value"); return }
        #expect(v.isNaN)
    }

    @Test func zeroWeightSum_Warns() throws {
        let job = LossJob(name: .nllLoss, input: Tensor(shape: [2, 2], float64: [-1, -2, -3, -4]),
                          target: Tensor(shape: [2], int64: [0, 0]), weight: Tensor(shape: [2], float64: [0, 1]))
        let r = try Loss.compute(job)
        #expect(r.diagnostics.warning("ZERO_WEIGHT_SUM") != nil && r.value.doubles == [0])
    }

    @Test func classificationTraps_AreNamed() throws {
        // Row 0: probabilities (softmax twice), row 1: target logit -inf, row 2: NaN, row 3: huge gap.
        let x = Tensor(shape: [4, 3], float64: [0.2, 0.3, 0.5, 0, -inf, 1, .nan, 1, 2, 200, 0, 0])
        var o = LossOptions()
        try o.set(.ignoreIndex, to: .int(2))
        let r = try Loss.compute(LossJob(name: .crossEntropy, input: x, target: Tensor(shape: [4], int64: [0, 1, 0, 1]), options: o))
        #expect(r.diagnostics.warning("TARGET_LOGIT_NEG_INF")?.examples == [1])
        #expect(r.diagnostics.warning("NONFINITE_INPUT")?.examples == [2])
        #expect(r.diagnostics.warning("EXTREME_LOGITS")?.examples == [3])
        #expect(r.diagnostics.warning("IGNORE_INDEX_IS_A_CLASS") != nil)
        let p = Tensor(shape: [2, 3], float64: [0.2, 0.3, 0.5, 0.1, 0.1, 0.8])
        let twice = try Loss.compute(LossJob(name: .crossEntropy, input: p, target: Tensor(shape: [2], int64: [2, 2])))
        #expect(twice.diagnostics.warning("INPUT_LOOKS_LIKE_PROBABILITIES")?.count == 2)
    }

    @Test func nllOnRawScores_AndUnnormalizedSoftTargets_Warn() throws {
        let raw = try Loss.compute(LossJob(name: .nllLoss, input: Tensor(shape: [1, 2], float64: [2, 1]),
                                           target: Tensor(shape: [1], int64: [0])))
        #expect(raw.diagnostics.warning("INPUT_NOT_LOG_PROBABILITIES") != nil)
        let soft = try Loss.compute(LossJob(name: .crossEntropy, input: Tensor(shape: [1, 2], float64: [2, 1]),
                                            target: Tensor(shape: [1, 2], float64: [0.7, 0.7])))
        #expect(soft.diagnostics.warning("PROBABILITY_TARGETS_NOT_NORMALIZED") != nil)
    }

    @Test func binaryCrossEntropyAtZero_WarnsLogClamped() throws {
        let r = try Loss.compute(LossJob(name: .binaryCrossEntropy, input: Tensor(shape: [2], float64: [0, 0.5]),
                                         target: Tensor(shape: [2], float64: [1, 1])))
        #expect(r.diagnostics.warning("LOG_CLAMPED")?.examples == [0])
        #expect(Closeness.matches((100 + 0.6931471805599453) / 2, r.value.doubles[0], relative: 1e-7, absolute: 0))
    }

    @Test func stats_AccuracyConfidencePerplexity() throws {
        // Row 0 predicts class 2 correctly, row 1 predicts 0 but the target is 1.
        let x = Tensor(shape: [2, 3], float64: [0, 0, 2, 1, 0, 0])
        let r = try Loss.compute(LossJob(name: .crossEntropy, input: x, target: Tensor(shape: [2], int64: [2, 1])))
        #expect(r.diagnostics.stat("accuracy") == 0.5)
        let mean = r.value.doubles[0]
        #expect(Closeness.matches(mean.exponentialForTests, try #require(r.diagnostics.stat("perplexity")), relative: 1e-6, absolute: 0))
        #expect(try #require(r.diagnostics.stat("loss_min")) < (try #require(r.diagnostics.stat("loss_max"))))
        #expect(r.diagnostics.stat("logit_max") == 2 && r.diagnostics.stat("logit_min") == 0)
        let norm = r.grad!.doubles.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(Closeness.matches(norm, try #require(r.diagnostics.stat("grad_l2_norm")), relative: 1e-6, absolute: 0))
    }
}

extension Double {
    var exponentialForTests: Double { exp(self) }
}
