/// A 16-lane float32 exp for the fused cross-entropy kernel.
///
/// Provenance: the range reduction and degree-6 minimax polynomial of Cephes `expf`
/// (S. L. Moshier, cephes/single/expf.c): x = n ln2 + r with ln2 split in two (C1 = 0.693359375
/// exact in few bits, C2 = -2.12194440e-4), |r| <= ln2/2, 2^n built in the exponent bits.
/// n is rounded with the 1.5 * 2^23 "magic number" addition (no rounding instruction needed on
/// baseline x86-64), so the whole function is branch-free SSE2 arithmetic with comparison masks.
///
/// Error: Cephes states a peak relative error of 1.7e-7 (IEEE, about 2 ulp); measured here against
/// Double `exp` over [-87.3, 0] (`vectorExp_MatchesLibmWithin2Ulp` test): at most 2 ulp.
/// Flush thresholds: inputs below -87.33654 (where the result would be a subnormal, < 2^-126)
/// return exactly 0, -inf included; inputs above 88.72 are clamped (the kernel only evaluates
/// x - max <= 0). NaN lanes are not expected: rows with non-finite values take the Double path.
// `@_transparent`: with `@inline(__always)` LLVM still emitted a call (16 lanes in and out through
// the stack at every block of the exp sweep); mandatory inlining puts it in the loop.
@_transparent
func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let lowest: Float = -87.33654
    var xc = x
    xc.replace(with: lowest, where: x .< lowest)
    xc.replace(with: 88.72283, where: x .> 88.72283)
    let magic: Float = 12_582_912  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    let t = xc * 1.442_695_04 + magic
    let n = t - magic
    let r = (xc - n * 0.693_359_375) - n * -2.121_944_40e-4
    var p = SIMD16<Float>(repeating: 1.987_569_150_0e-4)
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let y = p * (r * r) + r + 1
    let k = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000  // n as an integer
    let scale = unsafeBitCast((k &+ 127) &<< 23, to: SIMD16<Float>.self)
    var result = y * scale
    result.replace(with: 0, where: x .< lowest)
    return result
}
