import Foundation
@testable import LossKernels
import LossTestSupport
import Testing

/// linear_cross_entropy beyond the golden cases: a 256000-class float32 job against float64 torch,
/// bad shapes, and the memory budget.
struct LinearCrossEntropyTests {
    static func job(
        input: Tensor, weight: Tensor, target: Tensor, bias: Tensor? = nil, classWeight: Tensor? = nil,
        options: [(LossOption, OptionValue)] = []
    ) -> LossJob {
        var tensors = ["input": input, "linear_weight": weight, "target": target]
        tensors["linear_bias"] = bias
        tensors["weight"] = classWeight
        var o = LossOptions()
        for (option, value) in options { try! o.set(option, to: value) }
        return LossJob(name: .linearCrossEntropy, tensors: tensors, options: o)
    }

    static func error(_ job: LossJob) -> LossError? {
        do {
            _ = try Loss.compute(job)
            return nil
        } catch {
            return error
        }
    }

    /// The float64 reference generate_golden_linear_ce.py stores for a 256000-class job.
    struct Large: Decodable {
        let N: Int, H: Int, C: Int
        let target: [Int64]
        let formula: [String: [Double]]
        let value: Double
        let grad: [Double]
        let grad_linear_weight_rows: [String: [Double]]
        let grad_linear_weight_norm: Double
        let grad_linear_bias_norm: Double
    }

    /// sin(a i + b) * scale over the flat index, in Double, rounded to Float (as the generator).
    static func formula(_ shape: [Int], _ f: [Double]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, float32: (0..<n).map { Float(sin(f[0] * Double($0) + f[1]) * f[2]) })
    }

    /// Users of GPU fused kernels saw the loss drift past 250k classes with float32 accumulators:
    /// here the float32 answer stays within 1e-6 (value) and 1e-4 (gradients) of float64 torch's.
    @Test func vocabulary256000_Float32MatchesFloat64Torch() throws {
        let url = try #require(Bundle.module.url(forResource: "Golden/golden_linear_ce_large", withExtension: "json"))
        struct File: Decodable { let large_vocabulary: Large }
        let large = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).large_vocabulary
        let job = Self.job(
            input: Self.formula([large.N, large.H], large.formula["input"]!),
            weight: Self.formula([large.C, large.H], large.formula["linear_weight"]!),
            target: Tensor(shape: [large.N], int64: large.target),
            bias: Self.formula([large.C], large.formula["linear_bias"]!))
        let result = try Loss.compute(job)
        let value = result.value.doubles[0]
        #expect(abs(value - large.value) <= 1e-6 * abs(large.value), "value \(value) vs \(large.value)")
        let grad = try #require(result.grad).doubles
        let scale = large.grad.map(abs).max()!
        for i in grad.indices { #expect(abs(grad[i] - large.grad[i]) <= 1e-4 * scale, "grad[\(i)]") }
        let gw = try #require(result.gradient("linear_weight")).doubles
        for (row, expected) in large.grad_linear_weight_rows {
            let r = Int(row)!
            let rowScale = max(expected.map(abs).max()!, 1e-12)
            for h in 0..<large.H {
                #expect(abs(gw[r * large.H + h] - expected[h]) <= 1e-4 * rowScale + 1e-12, "grad_linear_weight[\(r), \(h)]")
            }
        }
        let norm = gw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - large.grad_linear_weight_norm) <= 1e-4 * large.grad_linear_weight_norm)
        let gb = try #require(result.gradient("linear_bias")).doubles
        let biasNorm = gb.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(biasNorm - large.grad_linear_bias_norm) <= 1e-4 * large.grad_linear_bias_norm)
    }

    static let x = Tensor(shape: [3, 4], float32: (0..<12).map { Float($0) / 10 })
    static let w = Tensor(shape: [5, 4], float32: (0..<20).map { Float($0 % 7) / 9 - 0.3 })
    static let y = Tensor(shape: [3], int64: [0, 4, 2])

    @Test func hiddenSizeMismatch_PointsAtInput() throws {
        let e = try #require(Self.error(Self.job(input: Tensor(shape: [3, 3], float32: .init(repeating: 0, count: 9)),
                                                 weight: Self.w, target: Self.y)))
        #expect(e.kind == .shapeMismatch && e.subject == .tensor("input") && e.detail.contains("in_features"))
    }

    @Test func classCountMismatch_PointsAtBiasOrClassWeight() throws {
        let bias = try #require(Self.error(Self.job(input: Self.x, weight: Self.w, target: Self.y,
                                                    bias: Tensor(shape: [6], float32: .init(repeating: 0, count: 6)))))
        #expect(bias.kind == .shapeMismatch && bias.subject == .tensor("linear_bias"))
        let weight = try #require(Self.error(Self.job(input: Self.x, weight: Self.w, target: Self.y,
                                                      classWeight: Tensor(shape: [4], float32: [1, 1, 1, 1]))))
        #expect(weight.kind == .shapeMismatch && weight.subject == .tensor("weight"))
    }

    @Test func targetOutOfRange_PointsAtTheElement() throws {
        let e = try #require(Self.error(Self.job(input: Self.x, weight: Self.w, target: Tensor(shape: [3], int64: [0, 5, 1]))))
        #expect(e.kind == .targetOutOfRange && e.subject == .tensor("target") && e.flatIndex == 1)
    }

    @Test func sequenceInputWithClassDim1_NamesClassDimMinus1() throws {
        let e = try #require(Self.error(Self.job(input: Tensor(shape: [1, 3, 4], float32: Self.x.doubles.map(Float.init)),
                                                 weight: Self.w, target: Tensor(shape: [1, 3], int64: [0, 1, 2]))))
        #expect(e.kind == .shapeMismatch && e.detail.contains("class_dim: -1"))
        let fine = Self.job(input: Tensor(shape: [1, 3, 4], float32: Self.x.doubles.map(Float.init)), weight: Self.w,
                            target: Tensor(shape: [1, 3], int64: [0, 1, 2]), options: [(.classDim, .int(-1))])
        let flat = try Loss.compute(Self.job(input: Self.x, weight: Self.w, target: Tensor(shape: [3], int64: [0, 1, 2])))
        #expect(try Loss.compute(fine).value.doubles == flat.value.doubles)
    }

    @Test func hugeDeclaredShapes_AreRejectedWithoutAllocating() throws {
        let huge = Self.job(input: Tensor(shape: [1 << 31, 1 << 31], float32: []),
                            weight: Tensor(shape: [1 << 31, 1 << 31], float32: []), target: Tensor(shape: [1 << 31], int64: []))
        #expect(Self.error(huge)?.kind == .invalidTensor)
        let overflow = Self.job(input: Tensor(shape: [0, 1 << 40], float32: []),
                                weight: Tensor(shape: [1 << 40, 1 << 40], float32: []), target: Tensor(shape: [0], int64: []))
        #expect(Self.error(overflow)?.kind == .invalidTensor)
    }

    /// The block of logits and the packed rows stay within the budget, and smaller budgets give
    /// the same answer (the logits are then recomputed block by block).
    @Test func memoryBudget_BoundsTheBlocksAndKeepsTheAnswer() throws {
        for (rows, classes, hidden) in [(8192, 32000, 1024), (1024, 128256, 4096), (70, 5000, 4)] {
            for budget in [1 << 20, 64 << 20] {
                let (r, c) = LinearHead.blockSizes(rows: rows, classes: classes, hidden: hidden, elementSize: 4, bytes: budget)
                #expect(r * (c + 3 * hidden) * 4 <= max(budget, 64 * (16 + 3 * hidden) * 4), "\(rows) \(classes) \(hidden) \(budget)")
            }
        }
        var g = SeededGenerator(seed: 3)
        let x = g.tensor([90, 6]), w = g.tensor([3000, 6]), y = g.classes([90], classes: 3000, ignored: 0.1)
        var answers: [[Double]] = []
        for budget in [1 << 20, 64 << 20] {
            let r = try Loss.compute(Self.job(input: x, weight: w, target: y, options: [(.memoryBudget, .int(Int64(budget)))]))
            answers.append(r.value.doubles + r.grad!.doubles + r.gradient("linear_weight")!.doubles)
        }
        #expect(Closeness.firstMismatch(expected: answers[1], observed: answers[0], relative: 1e-5, absolute: 1e-7) == nil)
    }

    /// (B, T) targets with class_dim -1: per-sequence mean loss, perplexity and token accuracy
    /// over counted tokens, NaN for a sequence with none; the same from cross_entropy on the logits.
    @Test func sequenceDiagnostics_PerSequenceOverCountedTokens() throws {
        var g = SeededGenerator(seed: 11)
        let x = g.tensor([2, 3, 4]), w = g.tensor([5, 4])
        let y = Tensor(shape: [2, 3], int64: [1, 4, -100, -100, -100, -100])
        var options = Self.float64ClassesLast()
        let lce = try Loss.compute(LossJob(name: .linearCrossEntropy,
                                           tensors: ["input": x, "linear_weight": w, "target": y], options: options))
        options.reduction = .none
        let none = try Loss.compute(LossJob(name: .linearCrossEntropy,
                                            tensors: ["input": x, "linear_weight": w, "target": y], options: options))
            .value.doubles
        let xs = x.doubles, ws = w.doubles
        var logits: [Double] = []
        for r in 0..<6 {
            for c in 0..<5 {
                var dot = 0.0
                for h in 0..<4 { dot += xs[r * 4 + h] * ws[c * 4 + h] }
                logits.append(dot)
            }
        }
        let argmax = (0..<2).map { r in (0..<5).max { logits[r * 5 + $0] < logits[r * 5 + $1] }! }
        let accuracy = Double((argmax[0] == 1 ? 1 : 0) + (argmax[1] == 4 ? 1 : 0)) / 2
        let ce = try Loss.compute(LossJob(name: .crossEntropy, input: Tensor(shape: [2, 3, 5], float64: logits), target: y,
                                          options: Self.float64ClassesLast()))
        for result in [lce, ce] {
            func reals(_ key: String) -> [Double] {
                guard case .reals(let v)? = result.diagnostics.stats.first(where: { $0.key == key })?.value else { return [] }
                return v
            }
            let mean = reals("sequence_loss_mean"), perplexity = reals("sequence_perplexity")
            let tokenAccuracy = reals("sequence_token_accuracy")
            try #require(mean.count == 2 && perplexity.count == 2 && tokenAccuracy.count == 2)
            #expect(abs(mean[0] - (none[0] + none[1]) / 2) < 1e-12 && mean[1].isNaN)
            #expect(abs(perplexity[0] - exp(mean[0])) < 1e-12 && perplexity[1].isNaN)
            #expect(tokenAccuracy[0] == accuracy && tokenAccuracy[1].isNaN)
        }
    }

    static func float64ClassesLast() -> LossOptions {
        var o = LossOptions()
        o.dtype = .float64
        try! o.set(.classDim, to: .int(-1))
        return o
    }
}
