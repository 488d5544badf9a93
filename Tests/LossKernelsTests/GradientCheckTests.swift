import LossKernels
import LossTestSupport
import Testing

/// Finite-difference checks of every loss's gradient in float64 on random inputs: the analytic
/// gradient of sum(grad_output * value) must match the 4-point numerical derivative.
struct GradientCheckTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let make: @Sendable (inout SeededGenerator) -> LossJob
    }

    static func options(_ pairs: [(String, OptionValue)]) -> LossOptions {
        var o = LossOptions()
        o.dtype = .float64
        for (k, v) in pairs {
            if k == "reduction", case .string(let r) = v {
                o.reduction = Reduction(rawValue: r)!
            } else {
                // Every other option name used here means the same in every loss that has it.
                try! o.set(Loss.catalogue.lazy.compactMap { $0.option(k) }.first!, to: v)
            }
        }
        return o
    }

    /// Regression targets whose differences stay away from the kinks at 0, 0.5 and 1.
    static func awayFromKinks(_ x: Tensor, _ g: inout SeededGenerator) -> Tensor {
        let offsets = [-1.7, -0.8, -0.3, 0.2, 0.7, 1.4]
        let y = x.doubles.map { $0 - offsets.randomElement(using: &g)! - Double.random(in: -0.05...0.05, using: &g) }
        return Tensor(shape: x.shape, float64: y)
    }

    static let cases: [Case] = [
        Case(description: "cross_entropy index, weight, ignore, smoothing, mean") { g in
            LossJob(name: .crossEntropy, input: g.tensor([6, 5]), target: g.classes([6], classes: 5, ignored: 0.3),
                    weight: g.tensor([5], in: 0.2...2), options: options([("label_smoothing", .double(0.15))]))
        },
        Case(description: "cross_entropy K-dim, temperature, z_loss, none with grad_output") { g in
            LossJob(name: .crossEntropy, input: g.tensor([2, 4, 3]), target: g.classes([2, 3], classes: 4, ignored: 0.2),
                    gradOutput: g.tensor([2, 3], in: 0.1...2),
                    options: options([("reduction", .string("none")), ("temperature", .double(1.7)),
                                      ("z_loss", .double(0.05))]))
        },
        Case(description: "cross_entropy unbatched, sum") { g in
            LossJob(name: .crossEntropy, input: g.tensor([7]), target: Tensor(shape: [], int64: [3]),
                    options: options([("reduction", .string("sum")), ("z_loss", .double(0.01))]))
        },
        Case(description: "cross_entropy probabilities, weight, smoothing, temperature") { g in
            LossJob(name: .crossEntropy, input: g.tensor([4, 6]), target: g.probabilities([4, 6]),
                    weight: g.tensor([6], in: 0.5...1.5),
                    options: options([("label_smoothing", .double(0.1)), ("temperature", .double(0.8))]))
        },
        Case(description: "nll_loss weight, mean") { g in
            LossJob(name: .nllLoss, input: g.tensor([5, 4]), target: g.classes([5], classes: 4, ignored: 0.2),
                    weight: g.tensor([4], in: 0.2...2), options: options([]))
        },
        Case(description: "binary_cross_entropy weight") { g in
            LossJob(name: .binaryCrossEntropy, input: g.tensor([3, 4], in: 0.05...0.95), target: g.tensor([3, 4], in: 0...1),
                    weight: g.tensor([4], in: 0.5...2), options: options([]))
        },
        Case(description: "binary_cross_entropy_with_logits weight, pos_weight") { g in
            LossJob(name: .binaryCrossEntropyWithLogits, input: g.tensor([3, 4]), target: g.tensor([3, 4], in: 0...1),
                    weight: g.tensor([1, 4], in: 0.5...2), posWeight: g.tensor([4], in: 0.5...3), options: options([]))
        },
        Case(description: "kl_div batchmean") { g in
            LossJob(name: .klDiv, input: g.tensor([3, 4], in: -3 ... -0.1), target: g.probabilities([3, 4]),
                    options: options([("reduction", .string("batchmean"))]))
        },
        Case(description: "kl_div log_target sum") { g in
            LossJob(name: .klDiv, input: g.tensor([3, 4], in: -3 ... -0.1), target: g.tensor([3, 4], in: -3 ... -0.1),
                    options: options([("reduction", .string("sum")), ("log_target", .bool(true))]))
        },
        Case(description: "mse_loss mean") { g in
            let x = g.tensor([3, 5])
            return LossJob(name: .mseLoss, input: x, target: awayFromKinks(x, &g), options: options([]))
        },
        Case(description: "l1_loss sum") { g in
            let x = g.tensor([3, 5])
            return LossJob(name: .l1Loss, input: x, target: awayFromKinks(x, &g), options: options([("reduction", .string("sum"))]))
        },
        Case(description: "smooth_l1_loss beta 0.5") { g in
            let x = g.tensor([3, 5])
            return LossJob(name: .smoothL1Loss, input: x, target: awayFromKinks(x, &g), options: options([("beta", .double(0.5))]))
        },
        Case(description: "huber_loss delta 1") { g in
            let x = g.tensor([3, 5])
            return LossJob(name: .huberLoss, input: x, target: awayFromKinks(x, &g), options: options([("delta", .double(1))]))
        },
        Case(description: "cross_entropy (B, T, V) class_dim -1, shift, num_items_in_batch") { g in
            LossJob(name: .crossEntropy, input: g.tensor([2, 4, 5]), target: g.classes([2, 4], classes: 5, ignored: 0.2),
                    options: options([("class_dim", .int(-1)), ("shift", .bool(true)), ("num_items_in_batch", .int(5)),
                                      ("label_smoothing", .double(0.1))]))
        },
        Case(description: "sigmoid_focal_loss alpha, gamma 2") { g in
            LossJob(name: .sigmoidFocalLoss, input: g.tensor([3, 4]), target: g.tensor([3, 4], in: 0...1).rounded(),
                    options: options([]))
        },
        Case(description: "sigmoid_focal_loss no alpha, gamma 1.5, soft targets") { g in
            LossJob(name: .sigmoidFocalLoss, input: g.tensor([3, 4]), target: g.tensor([3, 4], in: 0...1),
                    options: options([("alpha", .double(-1)), ("gamma", .double(1.5))]))
        },
        Case(description: "hinge_embedding_loss margin 1.3, mean") { g in
            LossJob(name: .hingeEmbeddingLoss, input: g.tensor([4, 5]), target: signs([4, 5], &g),
                    options: options(of: .hingeEmbeddingLoss, [("margin", .double(1.3))]))
        },
        Case(description: "soft_margin_loss sum") { g in
            LossJob(name: .softMarginLoss, input: g.tensor([4, 5]), target: signs([4, 5], &g),
                    options: options(of: .softMarginLoss, [("reduction", .string("sum"))]))
        },
        Case(description: "multilabel_soft_margin_loss weight, mean") { g in
            LossJob(name: .multilabelSoftMarginLoss, input: g.tensor([4, 5]), target: g.tensor([4, 5], in: 0...1).rounded(),
                    weight: g.tensor([5], in: 0.5...2), options: options(of: .multilabelSoftMarginLoss, []))
        },
        Case(description: "multilabel_margin_loss none with grad_output") { g in
            LossJob(name: .multilabelMarginLoss, input: g.tensor([4, 5]), target: classLists(rows: 4, classes: 5, &g),
                    gradOutput: g.tensor([4], in: 0.1...2),
                    options: options(of: .multilabelMarginLoss, [("reduction", .string("none"))]))
        },
        Case(description: "multi_margin_loss p 2, margin 0.7, weight, mean") { g in
            LossJob(name: .multiMarginLoss, input: g.tensor([5, 4], in: -1...1), target: g.classes([5], classes: 4),
                    weight: g.tensor([4], in: 0.5...2),
                    options: options(of: .multiMarginLoss, [("p", .int(2)), ("margin", .double(0.7))]))
        },
        Case(description: "multi_margin_loss p 1, sum") { g in
            LossJob(name: .multiMarginLoss, input: g.tensor([5, 4], in: -1...1), target: g.classes([5], classes: 4),
                    options: options(of: .multiMarginLoss, [("reduction", .string("sum"))]))
        },
        Case(description: "cosine_embedding_loss margin -0.2, mean") { g in
            LossJob(name: .cosineEmbeddingLoss,
                    tensors: ["input1": g.tensor([5, 3]), "input2": g.tensor([5, 3]), "target": signs([5], &g)],
                    options: options(of: .cosineEmbeddingLoss, [("margin", .double(-0.2))]))
        },
        Case(description: "triplet_margin_loss p 2, swap, margin 3") { g in
            LossJob(name: .tripletMarginLoss,
                    tensors: ["anchor": g.tensor([4, 3]), "positive": g.tensor([4, 3]), "negative": g.tensor([4, 3])],
                    options: options(of: .tripletMarginLoss, [("swap", .bool(true)), ("margin", .double(3))]))
        },
        Case(description: "triplet_margin_loss p 1.5, eps 0.01, none with grad_output") { g in
            LossJob(name: .tripletMarginLoss,
                    tensors: ["anchor": g.tensor([4, 3]), "positive": g.tensor([4, 3]), "negative": g.tensor([4, 3])],
                    gradOutput: g.tensor([4], in: 0.1...2),
                    options: options(of: .tripletMarginLoss, [("p", .double(1.5)), ("eps", .double(0.01)),
                                                              ("margin", .double(3)), ("reduction", .string("none"))]))
        },
        Case(description: "triplet_margin_with_distance_loss cosine, swap, sum") { g in
            LossJob(name: .tripletMarginWithDistanceLoss,
                    tensors: ["anchor": g.tensor([4, 3]), "positive": g.tensor([4, 3]), "negative": g.tensor([4, 3])],
                    options: options(of: .tripletMarginWithDistanceLoss,
                                     [("distance", .string("cosine")), ("swap", .bool(true)), ("margin", .double(1.5)),
                                      ("reduction", .string("sum"))]))
        },
        Case(description: "triplet_margin_with_distance_loss pairwise, mean") { g in
            LossJob(name: .tripletMarginWithDistanceLoss,
                    tensors: ["anchor": g.tensor([4, 3]), "positive": g.tensor([4, 3]), "negative": g.tensor([4, 3])],
                    options: options(of: .tripletMarginWithDistanceLoss, [("margin", .double(4))]))
        },
    ]

    @Test func everyLoss_HasAGradientCheck() {
        var g = SeededGenerator(seed: 1)
        let checked = Set(Self.cases.map { $0.make(&g).name })
        let missing = Loss.catalogue.map(\.name).filter { !checked.contains($0) }
        #expect(missing.isEmpty, "losses without a finite-difference check: \(missing)")
    }

    /// Every gradient the loss returns (`grad` and each `grad_NAME`) against finite differences
    /// of sum(grad_output * value) with respect to that tensor.
    @Test(arguments: cases)
    func analyticGradients_MatchFiniteDifferences(_ c: Case) throws {
        var g = SeededGenerator(seed: 7)
        for _ in 0..<3 {
            let job = c.make(&g)
            let result = try Loss.compute(job)
            let weights = job.gradOutput?.doubles
            #expect(result.gradients.map(\.name) == Loss.descriptor(job.name).differentiable.map(\.name).filter { job.tensors[$0] != nil })
            for gradient in result.gradients {
                let at = try #require(job.tensors[gradient.name])
                let numeric = FiniteDifference.gradient(at: at.doubles, step: 1e-4) { x in
                    var probe = job
                    probe.tensors[gradient.name] = Tensor(shape: at.shape, float64: x)
                    probe.computeGradient = false
                    let v = (try? Loss.compute(probe).value.doubles) ?? [.nan]
                    return weights.map { w in zip(v, w).reduce(0) { $0 + $1.0 * $1.1 } } ?? v.reduce(0, +)
                }
                let mismatch = Closeness.firstMismatch(
                    expected: numeric, observed: gradient.tensor.doubles, relative: 1e-6, absolute: 1e-8)
                #expect(mismatch == nil, "\(c) \(gradient.name): \(mismatch ?? "")")
            }
        }
    }
}

extension Tensor {
    /// Elements rounded to the nearest integer (hard binary targets).
    func rounded() -> Tensor { Tensor(shape: shape, float64: doubles.map { $0.rounded() }) }
}
