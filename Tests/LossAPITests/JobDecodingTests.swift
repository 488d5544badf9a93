@testable import LossAPI
import LossKernels
import TensorCodecs
import Testing

/// What the JSON job decoder hands the kernels: dtypes, target kinds, conversions, options.
@Suite struct JobDecodingTests {
    private func decode(_ json: String, loss: LossName = .crossEntropy, query: [(name: String, value: String)] = [])
        throws -> DecodedJob
    {
        let object = try #require(try JSONReader.parse(Array(json.utf8)).objectValue)
        return try JSONJobDecoder.decode(object, loss: loss, pointer: "", query: query)
    }

    @Test func integerTargets_AreClassIndices_FloatTargetsOfTheInputShapeAreProbabilities() throws {
        let indices = try decode(#"{"input": [[1, 2], [3, 4]], "target": [1, 0]}"#)
        guard case .int64(let classes) = indices.job.target.storage else {
            Issue.record("expected int64 targets")
            return
        }
        #expect(classes == [1, 0])
        let probabilities = try decode(#"{"input": [[1, 2], [3, 4]], "target": [[0, 1], [1, 0]]}"#)
        guard case .float32(let p) = probabilities.job.target.storage else {
            Issue.record("expected float targets")
            return
        }
        #expect(p == [0, 1, 1, 0])
    }

    @Test func regressionTargets_AreFloats_EvenWhenSpelledAsIntegers() throws {
        let job = try decode(#"{"input": [1.5, 2], "target": [1, 2]}"#, loss: .mseLoss).job
        guard case .float32(let target) = job.target.storage else {
            Issue.record("expected float32 target")
            return
        }
        #expect(target == [1, 2])
    }

    @Test func floatsAreRoundedOnceFromTheirDecimalSpelling() throws {
        let job = try decode(#"{"input": [0.1, 16777217], "target": [0, 0]}"#, loss: .mseLoss).job
        guard case .float32(let input) = job.input.storage else {
            Issue.record("expected float32 input")
            return
        }
        #expect(input == [Float(0.1), 16_777_216])
    }

    @Test func dtype_DefaultsToFloat32_FollowsAFloat64Input_AndTheOptionWins() throws {
        #expect(try decode(#"{"input": [1.0], "target": [1.0]}"#, loss: .mseLoss).job.options.dtype == .float32)
        let declared = try decode(#"{"input": {"shape": [1], "data": [0.1], "dtype": "float64"}, "target": [1.0]}"#, loss: .mseLoss)
        #expect(declared.job.options.dtype == .float64)
        guard case .float64(let values) = declared.job.input.storage else {
            Issue.record("expected float64 input")
            return
        }
        #expect(values == [0.1])
        let forced = try decode(
            #"{"input": {"shape": [1], "data": [0.1], "dtype": "float64"}, "target": [1.0], "options": {"dtype": "float32"}}"#,
            loss: .mseLoss)
        #expect(forced.job.options.dtype == .float32)
    }

    @Test func halfPrecisionInputs_AreRoundedToTheirTypeFirst() throws {
        let half = try decode(#"{"input": {"shape": [2], "data": [0.1, 65520], "dtype": "float16"}, "target": [0, 0]}"#, loss: .mseLoss)
        guard case .float32(let h) = half.job.input.storage else {
            Issue.record("expected float32 storage")
            return
        }
        #expect(h[0] == Float(Float16(0.1)))
        #expect(h[1] == .infinity)  // 65520 rounds past float16's max, like torch.tensor(..., dtype=float16)
        let brain = try decode(#"{"input": {"shape": [1], "data": [1.00390625], "dtype": "bfloat16"}, "target": [0]}"#, loss: .mseLoss)
        guard case .float32(let b) = brain.job.input.storage else {
            Issue.record("expected float32 storage")
            return
        }
        #expect(b == [1.0])  // halfway between 1 and 1.0078125: ties to even
    }

    @Test func nonFiniteSpellings_AreAccepted() throws {
        let job = try decode(#"{"input": [NaN, "inf", "-Infinity", 1], "target": [0, 0, 0, 0]}"#, loss: .mseLoss).job
        guard case .float32(let values) = job.input.storage else {
            Issue.record("expected float32 storage")
            return
        }
        #expect(values[0].isNaN && values[1] == .infinity && values[2] == -.infinity && values[3] == 1)
    }

    @Test func optionsFromQueryAndBody_AreMerged() throws {
        let decoded = try decode(
            #"{"input": [[1, 2]], "target": [0], "options": {"label_smoothing": 0.1, "compat": "pytorch"}}"#,
            query: [("reduction", "sum"), ("ignore_index", "-1")])
        #expect(decoded.job.options.reduction == .sum)
        #expect(decoded.job.options.integer(.ignoreIndex) == -1)
        #expect(decoded.job.options.real(.labelSmoothing) == 0.1)
        #expect(decoded.job.options.compat == .pytorch)
    }

    @Test func outputs_SelectTheGradient() throws {
        #expect(try decode(#"{"input": [[1, 2]], "target": [0]}"#).job.computeGradient)
        let valueOnly = try decode(#"{"input": [[1, 2]], "target": [0], "outputs": ["value"]}"#)
        #expect(!valueOnly.job.computeGradient)
        #expect(valueOnly.outputs == .value)
    }

    @Test func kernelErrors_PointAtTheElementInTheFormItWasSent() throws {
        let nested = try decode(#"{"input": [[1, 2], [3, 4]], "target": [0, 7]}"#)
        let error = LossError(kind: .targetOutOfRange, field: "target", flatIndex: 1, index: [1], detail: "Target 7 is out of bounds.")
        #expect(nested.problem(for: error).errors.first?.pointer == "/target/1")
        let shaped = try decode(#"{"input": [[1, 2], [3, 4]], "target": {"shape": [2], "data": [0, 7]}}"#)
        #expect(shaped.problem(for: error).errors.first?.pointer == "/target/data/1")
        #expect(shaped.problem(for: error).code == .targetOutOfRange)
        let option = LossError(kind: .invalidOption, option: "temperature", detail: "bad")
        #expect(shaped.problem(for: option).errors.first?.pointer == "/options/temperature")
    }
}
