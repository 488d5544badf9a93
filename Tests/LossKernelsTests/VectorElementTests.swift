import Glibc
@testable import LossKernels
import LossTestSupport
import Testing

/// The 8-lane float32 element functions of `Elementwise` and `PointwiseLoss` against the same
/// losses' per-element paths: a grad_output per element (reduction none) sends a float32 job down
/// the element path, without one it takes the lanes. Values, gradients and diagnostics agree
/// (counts and warnings exactly), on jobs with a ragged tail and non-finite inputs. poisson_nll's
/// lanes subtract in float32 as PyTorch does (exp(x) - y x, 1 - y / (x + eps)) where the element
/// path subtracts in Double: they may differ by a few float32 ulp of the operands (up to about
/// 20 here), hence its absolute bound.
struct VectorElementTests {
    static let n = 3 * 8 * 1024 + 5

    static func job(_ loss: String) throws -> LossJob {
        var g = SeededGenerator(seed: 11)
        func f32(_ values: [Double]) -> Tensor { Tensor(shape: [n], float32: values.map { Float($0) }) }
        let signs = (0..<n).map { _ in Bool.random(using: &g) ? 1.0 : -1.0 }
        var x = g.doubles(n, in: -20...20)
        for (i, v) in [(100, Double.nan), (2000, .infinity), (3001, -.infinity), (5000, 95), (5001, -95)] { x[i] = v }
        var o = LossOptions()
        o.reduction = .none
        switch loss {
        case "soft_margin_loss", "hinge_embedding_loss":
            return LossJob(name: LossName(rawValue: loss)!, input: f32(x), target: f32(signs), options: o)
        case "poisson_nll_loss":
            return LossJob(name: .poissonNLLLoss, input: f32(g.doubles(n, in: -3...3)), target: f32(g.doubles(n, in: 0...6)),
                           options: o)
        case "poisson_nll_loss rates":
            var rates = g.doubles(n, in: 0...5)
            for (i, v) in [(7, 0.0), (300, -1), (301, 1e-30), (4096, Double.nan)] { rates[i] = v }
            try o.set("log_input", to: .bool(false), for: .poissonNLLLoss)
            return LossJob(name: .poissonNLLLoss, input: f32(rates), target: f32(g.doubles(n, in: 0...6)), options: o)
        default:
            var b = g.doubles(n)
            var a = g.doubles(n)
            a[9] = b[9]
            b[10] = .nan
            return LossJob(name: .marginRankingLoss, tensors: ["input1": f32(a), "input2": f32(b), "target": f32(signs)],
                           options: o)
        }
    }

    @Test(arguments: ["soft_margin_loss", "hinge_embedding_loss", "poisson_nll_loss", "poisson_nll_loss rates",
                      "margin_ranking_loss"])
    func lanes_AgreeWithElementPath(_ loss: String) throws {
        let lanes = try Self.job(loss)
        var elements = lanes
        elements.gradOutput = Tensor(shape: [Self.n], float32: [Float](repeating: 1, count: Self.n))
        let v = try Loss.compute(lanes), e = try Loss.compute(elements)
        let absolute = loss.hasPrefix("poisson") ? 1e-5 : 1e-30
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return (a.isNaN && b.isNaN) || a == b || abs(a - b) <= 1e-6 * abs(b) + absolute
        }
        let values = zip(v.value.doubles, e.value.doubles).enumerated().first { !close($1.0, $1.1) }
        #expect(values == nil, "value \(String(describing: values))")
        for (gv, ge) in zip(v.gradients, e.gradients) {
            let bad = zip(gv.tensor.doubles, ge.tensor.doubles).enumerated().first { !close($1.0, $1.1) }
            #expect(bad == nil, "\(gv.name) \(String(describing: bad))")
        }
        let (dv, de) = (v.diagnostics, e.diagnostics)
        #expect(dv.counts == de.counts)
        #expect(dv.warnings == de.warnings)
        #expect(dv.stats.map(\.key) == de.stats.map(\.key))
        for key in de.stats.map(\.key) { #expect(close(dv.stat(key), de.stat(key)), "\(key): \(dv.stat(key)!) vs \(de.stat(key)!)") }
        #expect(dv.counts.count >= 2)
    }

    /// exp, log and log1p of the lanes against libm's Double ones: within 3 float32 ulp of the
    /// true value over the finite range, and the IEEE answers at 0, infinities, NaN and subnormals.
    @Test func vectorMath_MatchesLibm() {
        var worst = (exp: 0.0, log: 0.0, log1p: 0.0)
        func ulps(_ got: Float, _ exact: Double) -> Double {
            let f = Float(exact)
            if got == f { return 0 }
            return abs(Double(got) - exact) / Double(f.ulp)
        }
        var x: Float = -103
        while x < 88.7 {
            var v = FloatLanes()
            for l in 0..<8 { v[l] = x + Float(l) * 1e-3 }
            let e = vectorExpAnywhere(v)
            for l in 0..<8 where exp(Double(v[l])) >= Double(Float.leastNormalMagnitude) {
                worst.exp = max(worst.exp, ulps(e[l], exp(Double(v[l]))))
            }
            x += 0.0173
        }
        var y: Float = 1e-38
        while y < 1e38 {
            var v = FloatLanes()
            for l in 0..<8 { v[l] = y * (1 + Float(l) * 0.01) }
            let (lg, lp) = (vectorLog(v), vectorLog1p(v))
            for l in 0..<8 {
                worst.log = max(worst.log, ulps(lg[l], log(Double(v[l]))))
                worst.log1p = max(worst.log1p, ulps(lp[l], log1p(Double(v[l]))))
            }
            y *= 1.07
        }
        #expect(worst.exp <= 3 && worst.log <= 3 && worst.log1p <= 3, "\(worst)")
        let special = FloatLanes(0, -1, .infinity, -.infinity, .nan, 1e-40, 100, -200)
        let (e, lg, lp) = (vectorExpAnywhere(special), vectorLog(special), vectorLog1p(special))
        #expect(e[0] == 1 && e[2] == .infinity && e[3] == 0 && e[4].isNaN && e[5] == 1 && e[6] == .infinity && e[7] == 0)
        #expect(lg[0] == -.infinity && lg[1].isNaN && lg[2] == .infinity && lg[3].isNaN && lg[4].isNaN)
        #expect(abs(Double(lg[5]) - log(Double(Float(1e-40)))) <= 1e-6 * 92)
        #expect(lp[0] == 0 && lp[1] == -.infinity && lp[2] == .infinity && lp[4].isNaN && lp[5] == Float(1e-40))
    }
}
