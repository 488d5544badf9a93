import LossKernels
import LossTestSupport
import Testing

/// Replays every PyTorch golden case (Golden/golden.json) through `Loss.compute`, in both compat
/// modes. float64: 1e-12 relative (1e-15 absolute floor for values that cancel to ~0);
/// float32: 1e-5 relative or 1e-6 absolute.
@Suite struct GoldenTests {
    @Test func goldenFile_LoadsEveryCase() {
        #expect(GoldenCase.all.count >= 370)
    }

    @Test func everyLoss_HasGoldenCases() {
        let covered = Set(GoldenCase.all.map(\.job.name))
        let missing = Loss.catalogue.map(\.name).filter { !covered.contains($0) }
        #expect(missing.isEmpty, "losses without PyTorch golden cases: \(missing)")
    }

    @Test(arguments: GoldenCase.all)
    func goldenCase_MatchesPyTorchInBothModes(_ golden: GoldenCase) throws {
        for mode in [CompatMode.pytorch, .safe] {
            var job = golden.job
            job.options.compat = mode
            let result = try Loss.compute(job)
            let expected = mode == .safe ? (golden.safe ?? golden.pytorch) : golden.pytorch
            let (relative, absolute) = golden.tolerance
            #expect(result.value.shape == expected.value.shape, "\(golden.name) \(mode) value shape")
            let valueMismatch = Closeness.firstMismatch(
                expected: expected.value.doubles, observed: result.value.doubles, relative: relative, absolute: absolute)
            #expect(valueMismatch == nil, "\(golden.name) \(mode) value: \(valueMismatch ?? "")")
            for (name, expectedGradient) in expected.gradients {
                let grad = try #require(result.gradient(name), "\(golden.name) \(mode): no gradient of \(name)")
                #expect(grad.shape == job.tensors[name]?.shape)
                let gradMismatch = Closeness.firstMismatch(
                    expected: expectedGradient.doubles, observed: grad.doubles, relative: relative, absolute: absolute)
                #expect(gradMismatch == nil, "\(golden.name) \(mode) grad of \(name): \(gradMismatch ?? "")")
            }
        }
    }
}
