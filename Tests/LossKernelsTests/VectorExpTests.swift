import Glibc
@testable import LossKernels
import Testing

/// Measures the error bound stated in VectorExp.swift over the range the kernel uses.
@Test func vectorExp_MatchesLibmWithin2Ulp() {
    var worst = 0.0
    var x: Float = -87.3
    while x <= 0 {
        var v = SIMD8<Float>()
        for l in 0..<8 { v[l] = x - Float(l) * 1e-4 }
        let e = vectorExp(v)
        for l in 0..<8 where v[l] >= -87.33 {
            let exact = exp(Double(v[l]))
            worst = max(worst, abs(Double(e[l]) - exact) / Double(Float(exact).ulp))
        }
        x += 0.0137
    }
    #expect(worst <= 2, "max error \(worst) ulp")
    var special = SIMD8<Float>(repeating: -.infinity)
    special[1] = -100
    special[2] = 0
    let e = vectorExp(special)
    #expect(e[0] == 0 && e[1] == 0 && e[2] == 1)
}
