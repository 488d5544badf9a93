/// An 8-lane float32 exp of non-positive arguments (the kernel only evaluates z - max <= 0).
///
/// Provenance: the range reduction and degree-6 minimax polynomial of Cephes `expf`
/// (S. L. Moshier, cephes/single/expf.c): x = n ln2 + r with ln2 split in two (C1 = 0.693359375
/// exact in few bits, C2 = -2.12194440e-4), |r| <= ln2/2, 2^n built in the exponent bits.
/// n is rounded with the 1.5 * 2^23 "magic number" addition (no rounding instruction needed on
/// baseline x86-64), so the whole function is branch-free SSE2 arithmetic with comparison masks.
///
/// Error: Cephes states a peak relative error of 1.7e-7 (IEEE, about 2 ulp); measured here against
/// Double `exp` over [-87.3, 0] (`vectorExp_MatchesLibmWithin2Ulp` test): at most 2 ulp.
/// Contract and flush threshold: `clamped` must be `x` with every lane below -87.33654 raised to
/// -87.33654 (the caller keeps it, finite, for the entropy sum), `flush` the lanes that were
/// below: they return exactly 0 (-inf included; true values there are < 2^-126, subnormal).
/// Lanes above 0 are outside the contract. NaN lanes are not expected: rows with non-finite
/// values take the Double path.
// `@_transparent`: with `@inline(__always)` LLVM still emitted a call (all lanes in and out through
// the stack at every block of the exp sweep); mandatory inlining puts it in the loop.
@_transparent
func vectorExp(clamped xc: FloatLanes, flush: SIMDMask<SIMD8<Int32>>) -> FloatLanes {
    var result = vectorExp(inRange: xc)
    result.replace(with: 0, where: flush)
    return result
}

/// `vectorExp` for lanes already known to lie in [-87.33654, 0] (rows whose range needs no
/// clamping: no compare, blend or flush).
@_transparent
func vectorExp(inRange xc: FloatLanes) -> FloatLanes {
    let (y, k) = expReduced(xc)
    return y * unsafeBitCast((k &+ 127) &<< 23, to: FloatLanes.self)
}

/// Cephes' reduction of exp(xc): `y` = exp(r) and `k` = n with xc = n ln2 + r, |r| <= ln2/2, so
/// that exp(xc) = y * 2^k (for |xc| up to about 2^22 ln2; the callers clamp far less).
@_transparent
func expReduced(_ xc: FloatLanes) -> (y: FloatLanes, k: SIMD8<Int32>) {
    let magic: Float = 12_582_912  // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    let t = xc * 1.442_695_04 + magic
    let n = t - magic
    let r = (xc - n * 0.693_359_375) - n * -2.121_944_40e-4
    var p = FloatLanes(repeating: 1.987_569_150_0e-4)
    p = multiplyAdd(p, r, FloatLanes(repeating: 1.398_199_950_7e-3))
    p = multiplyAdd(p, r, FloatLanes(repeating: 8.333_451_907_3e-3))
    p = multiplyAdd(p, r, FloatLanes(repeating: 4.166_579_589_4e-2))
    p = multiplyAdd(p, r, FloatLanes(repeating: 1.666_666_545_9e-1))
    p = multiplyAdd(p, r, FloatLanes(repeating: 5.000_000_120_1e-1))
    return (multiplyAdd(p, r * r, r + 1), unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000)
}

/// `a * b + c`: one fused instruction (a single rounding) when LossKernels is built for a CPU
/// with FMA (Package.swift defines `LOSSD_KERNELS_FMA` with `-target-cpu haswell`); a multiply and
/// an add otherwise, since without the instruction `fma` is a libm call per lane.
@_transparent
func multiplyAdd(_ a: FloatLanes, _ b: FloatLanes, _ c: FloatLanes) -> FloatLanes {
    #if LOSSD_KERNELS_FMA
    c.addingProduct(a, b)
    #else
    a * b + c
    #endif
}

/// The smallest argument `vectorExp` evaluates; below it the result is flushed to 0.
let vectorExpLowest: Float = -87.33654

/// The vector type of the fused kernel. 8 lanes (two SSE registers): with 16 lanes the exp and
/// gradient sweeps ran out of the 16 xmm registers and spilled / reloaded constants every block.
typealias FloatLanes = SIMD8<Float>

/// `vectorExp` of arbitrary non-positive lanes, for tests: clamps and flushes itself.
func vectorExp(_ x: FloatLanes) -> FloatLanes {
    let flush = x .< vectorExpLowest
    var xc = x
    xc.replace(with: vectorExpLowest, where: flush)
    return vectorExp(clamped: xc, flush: flush)
}

/// Sum of the lanes, folded in halves (the stdlib's `sum()`/`max()` went lane by lane
/// through the stack), finished in Double.
@inline(__always) func laneSum(_ v: FloatLanes) -> Double {
    let q = v.lowHalf + v.highHalf
    return (Double(q[0]) + Double(q[1])) + (Double(q[2]) + Double(q[3]))
}

/// Maximum of the lanes (no NaN lanes here: those rows left in sweep 1), folded with masks.
@inline(__always) func laneMax(_ v: FloatLanes) -> Float {
    var q = v.lowHalf
    q.replace(with: v.highHalf, where: v.highHalf .> q)
    return Swift.max(Swift.max(q[0], q[1]), Swift.max(q[2], q[3]))
}

/// Max, min and sum of `x[0..<n]` in one 8-lane sweep, the sum flushed to Double every 4096
/// elements (so a 256000-class row sums without float32 drift). A NaN poisons the sum; +inf
/// and -inf show in the max and min. The fused cross entropy's and the linear head's first sweep.
@inline(__always) func maxMinSum(_ x: UnsafePointer<Float>, _ n: Int) -> (max: Float, min: Float, sum: Double) {
    let lanes = FloatLanes.scalarCount, flushEvery = 4096
    let raw = UnsafeRawPointer(x)
    let blocks = n / lanes * lanes
    var vmax = FloatLanes(repeating: -.infinity), vmin = FloatLanes(repeating: .infinity), vsum = FloatLanes()
    var sum = 0.0
    var i = 0
    while i < blocks {
        let end = Swift.min(blocks, i + flushEvery)
        while i < end {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: FloatLanes.self)
            vmax.replace(with: v, where: v .> vmax)
            vmin.replace(with: v, where: v .< vmin)
            vsum += v
            i += lanes
        }
        sum += laneSum(vsum)
        vsum = FloatLanes()
    }
    var xmax = laneMax(vmax), xmin = -laneMax(-vmin)
    while i < n {
        let v = x[i]
        if v > xmax { xmax = v }
        if v < xmin { xmin = v }
        sum += Double(v)
        i += 1
    }
    return (xmax, xmin, sum)
}
