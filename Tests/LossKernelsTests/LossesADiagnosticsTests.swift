import LossKernels
import Testing

/// The errors and warnings of ctc_loss, poisson_nll_loss, gaussian_nll_loss and
/// margin_ranking_loss: what PyTorch answers with NaN, inf or garbage, named.
struct LossesADiagnosticsTests {
    static func options(_ compat: CompatMode = .safe, reduction: Reduction = .mean) -> LossOptions {
        var o = LossOptions()
        o.dtype = .float64
        o.compat = compat
        o.reduction = reduction
        return o
    }

    /// log_probs (T = 4, N = 3, C = 3) uniform over the classes.
    static func ctcJob(targets: Tensor, inputLengths: [Int64], targetLengths: [Int64], _ o: LossOptions) -> LossJob {
        let n = inputLengths.count
        return LossJob(name: .ctcLoss, tensors: [
            "log_probs": Tensor(shape: [4, n, 3], float64: Array(repeating: -Double.log3, count: 4 * n * 3)),
            "targets": targets,
            "input_lengths": Tensor(shape: [n], int64: inputLengths),
            "target_lengths": Tensor(shape: [n], int64: targetLengths),
        ], options: o)
    }

    static let padded = Tensor(shape: [3, 2], int64: [1, 2, 1, 1, 2, 0])

    @Test func ctcInfeasibleSamples_SafeZeroesThemAndNamesThem_PyTorchIsInfinite() throws {
        // sample 1: [1, 1] needs 3 frames and has 2; sample 2: [2] cannot fit in 0 frames.
        let job = Self.ctcJob(targets: Self.padded, inputLengths: [4, 2, 0], targetLengths: [2, 2, 1],
                              Self.options(reduction: .none))
        let safe = try Loss.compute(job)
        #expect(safe.value.doubles[1] == 0 && safe.value.doubles[2] == 0 && safe.value.doubles[0] > 0)
        #expect(safe.grad!.doubles.allSatisfy { $0.isFinite })
        let warning = try #require(safe.diagnostics.warning(.infeasibleAlignment))
        #expect(warning.count == 2 && warning.examples == [1, 2])
        #expect(safe.diagnostics.count("infeasible") == 2)
        #expect(!safe.diagnostics.pytorch.isEmpty)
        var torchJob = job
        torchJob.options.compat = .pytorch
        let torch = try Loss.compute(torchJob)
        #expect(torch.value.doubles[1] == .infinity && torch.value.doubles[2] == .infinity)
        #expect(torch.grad!.doubles.contains { $0.isNaN })
        try torchJob.options.set(.zeroInfinity, to: .bool(true))
        let zeroed = try Loss.compute(torchJob)
        #expect(zeroed.value.doubles == safe.value.doubles && zeroed.grad!.doubles == safe.grad!.doubles)
    }

    @Test func ctcTargetEqualToBlankOrOutOfRange_PointsAtTheElement() {
        for (bad, value) in [(3, Int64(0)), (0, 3), (2, -1)] {
            var data: [Int64] = [1, 2, 1, 1, 2, 1]
            data[bad] = value
            let job = Self.ctcJob(targets: Tensor(shape: [3, 2], int64: data), inputLengths: [4, 4, 4],
                                  targetLengths: [2, 2, 2], Self.options())
            #expect {
                try Loss.compute(job)
            } throws: { error in
                (error as? LossError).map {
                    $0.kind == .targetOutOfRange && $0.subject == .tensor("targets") && $0.index == [bad / 2, bad % 2]
                } ?? false
            }
        }
    }

    @Test func ctcPaddingBeyondTheTargetLength_IsNotChecked() throws {
        let job = Self.ctcJob(targets: Tensor(shape: [3, 2], int64: [1, 2, 1, 99, 0, -5]), inputLengths: [4, 4, 4],
                              targetLengths: [2, 1, 0], Self.options())
        _ = try Loss.compute(job)
    }

    @Test func ctcLengthsAndTargetSizes_AreCheckedAsPyTorchChecksThem() {
        let jobs = [
            Self.ctcJob(targets: Self.padded, inputLengths: [5, 4, 4], targetLengths: [2, 2, 1], Self.options()),
            Self.ctcJob(targets: Self.padded, inputLengths: [4, 4, 4], targetLengths: [2, 3, 1], Self.options()),
            Self.ctcJob(targets: Tensor(shape: [4], int64: [1, 2, 1, 2]), inputLengths: [4, 4, 4],
                        targetLengths: [2, 1, 0], Self.options()),
            Self.ctcJob(targets: Self.padded, inputLengths: [4, 4], targetLengths: [2, 2], Self.options()),
        ]
        var rank4 = Self.ctcJob(targets: Self.padded, inputLengths: [4, 4, 4], targetLengths: [2, 2, 1], Self.options())
        rank4.tensors["log_probs"] = Tensor(shape: [4, 3, 3, 1], float64: Array(repeating: -Double.log3, count: 36))
        for (job, field) in zip(jobs + [rank4], ["input_lengths", "target_lengths", "targets", "targets", "log_probs"]) {
            #expect {
                _ = try Loss.compute(job)
            } throws: { error in
                (error as? LossError)?.subject == .tensor(field)
            }
        }
    }

    @Test func ctcBlankOutsideTheClasses_IsAnInvalidOption() throws {
        var o = Self.options()
        try o.set(.blank, to: .int(3))
        let job = Self.ctcJob(targets: Self.padded, inputLengths: [4, 4, 4], targetLengths: [2, 2, 1], o)
        #expect(throws: LossError(kind: .invalidOption, option: "blank", detail: "blank must be in [0, 3), got 3")) {
            try Loss.compute(job)
        }
    }

    @Test func ctcLogProbsThatDoNotSumToOne_Warn() throws {
        var job = Self.ctcJob(targets: Self.padded, inputLengths: [4, 3, 4], targetLengths: [2, 1, 1], Self.options())
        #expect(try Loss.compute(job).diagnostics.warning(.inputNotLogProbabilities) == nil)
        job.tensors["log_probs"] = Tensor(shape: [4, 3, 3], float64: Array(repeating: 0, count: 36))
        let warning = try #require(try Loss.compute(job).diagnostics.warning(.inputNotLogProbabilities))
        #expect(warning.count == 11 && warning.examples == [0, 1, 2, 3, 4])  // frames within the input lengths
    }

    @Test func poissonNegativeTarget_IsAnElementError_AndNearZeroRatesWarn() throws {
        let bad = LossJob(name: .poissonNLLLoss, input: Tensor(shape: [3], float64: [0, 1, 2]),
                          target: Tensor(shape: [3], float64: [1, 0, -1]), options: Self.options())
        #expect {
            try Loss.compute(bad)
        } throws: { error in
            (error as? LossError).map { $0.kind == .invalidTensor && $0.subject == .tensor("target") && $0.flatIndex == 2 }
                ?? false
        }
        var o = Self.options()
        try o.set(.logInput, to: .bool(false))
        let job = LossJob(name: .poissonNLLLoss, input: Tensor(shape: [3], float64: [1e-6, 1, 0]),
                          target: Tensor(shape: [3], float64: [1, 0, 2]), options: o)
        let warning = try #require(try Loss.compute(job).diagnostics.warning(.poissonInputNearZero))
        #expect(warning.count == 2 && warning.examples == [0, 2])
    }

    @Test func gaussianVarBelowEps_IsClampedWithAWarning_NegativeVarIsAnError() throws {
        func job(_ v: [Double]) -> LossJob {
            LossJob(name: .gaussianNLLLoss, tensors: [
                "input": Tensor(shape: [3], float64: [0, 1, 2]), "target": Tensor(shape: [3], float64: [1, 1, 1]),
                "var": Tensor(shape: [3], float64: v),
            ], options: Self.options())
        }
        let result = try Loss.compute(job([1e-6, 0, 1e-9]))
        let warning = try #require(result.diagnostics.warning(.varClamped))
        #expect(warning.count == 2 && warning.examples == [1, 2])
        // torch clamps under no_grad: the clamped var's gradient is the formula at eps.
        #expect(result.gradient("var")!.doubles[1] == 0.5 * (1 / 1e-6) / 3)
        #expect {
            try Loss.compute(job([1, -0.5, 1]))
        } throws: { error in (error as? LossError).map { $0.subject == .tensor("var") && $0.flatIndex == 1 } ?? false }
    }

    @Test func gaussianVarOfAnotherShape_IsAShapeMismatch() {
        for shape in [[4, 3], [3], [1, 1], [3, 2, 1]] {
            let job = LossJob(name: .gaussianNLLLoss, tensors: [
                "input": Tensor(shape: [2, 3], float64: Array(repeating: 0, count: 6)),
                "target": Tensor(shape: [2, 3], float64: Array(repeating: 0, count: 6)),
                "var": Tensor(shape: shape, float64: Array(repeating: 1, count: shape.reduce(1, *))),
            ], options: Self.options())
            #expect(throws: LossError.self) { try Loss.compute(job) }
        }
    }

    @Test func marginRankingTargetOutsidePlusMinusOne_NamesTheElement() {
        for bad in [0.0, 2, .nan] {
            let job = LossJob(name: .marginRankingLoss, tensors: [
                "input1": Tensor(shape: [2, 2], float64: [1, 2, 3, 4]), "input2": Tensor(shape: [2, 2], float64: [0, 0, 0, 0]),
                "target": Tensor(shape: [2, 2], float64: [1, -1, -1, bad]),
            ], options: Self.options())
            #expect {
                try Loss.compute(job)
            } throws: { error in
                (error as? LossError).map { $0.subject == .tensor("target") && $0.index == [1, 1] } ?? false
            }
        }
    }
}

extension Double {
    /// log(3).
    static let log3 = 1.0986122886681098
}
