/// 8-lane float32 exp, log and log1p over the whole float range (infinities, NaN, subnormals),
/// for the vector element functions of `Elementwise` and `PointwiseLoss`. Same provenance as
/// `vectorExp` (Cephes `expf`, `logf`: S. L. Moshier); about 2 ulp.

/// exp of any lanes: 0 below about -103.3 (and for -inf), inf above about 88.72 (and for +inf),
/// NaN for NaN. 2^n is applied in two factors so that n may run from -159 to 128.
@inline(__always)
func vectorExpAnywhere(_ x: FloatLanes) -> FloatLanes {
    var xc = x
    xc.replace(with: -110, where: x .< -110)
    xc.replace(with: 89, where: x .> 89)
    let (y, k) = expReduced(xc)
    let k1 = k &>> 1
    let s1 = unsafeBitCast((k1 &+ 127) &<< 23, to: FloatLanes.self)
    let s2 = unsafeBitCast((k &- k1 &+ 127) &<< 23, to: FloatLanes.self)
    return y * s1 * s2
}

/// Natural log of any lanes: -inf for 0, NaN for negative lanes and NaN, inf for inf
/// (Cephes `logf`: x = m 2^e with m in [sqrt(1/2), sqrt(2)), a degree-9 polynomial in m - 1).
@inline(__always)
func vectorLog(_ x: FloatLanes) -> FloatLanes {
    let tiny = x .< Float.leastNormalMagnitude
    var v = x
    v.replace(with: x * 8_388_608, where: tiny)  // subnormals scaled by 2^23
    let bits = unsafeBitCast(v, to: SIMD8<Int32>.self)
    var e = ((bits &>> 23) & 0xFF) &- 126
    e.replace(with: e &- 23, where: tiny)
    let m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: FloatLanes.self)  // in [0.5, 1)
    let small = m .< 0.707_106_781_186_547_524
    e.replace(with: e &- 1, where: small)
    var f = m - 1
    f.replace(with: f + m, where: small)
    let z = f * f
    var p = FloatLanes(repeating: 7.037_683_629_2e-2)
    p = multiplyAdd(p, f, FloatLanes(repeating: -1.151_461_031_0e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: 1.167_699_874_0e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: -1.242_014_084_6e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: 1.424_932_278_7e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: -1.666_805_766_5e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: 2.000_071_476_5e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: -2.499_999_399_3e-1))
    p = multiplyAdd(p, f, FloatLanes(repeating: 3.333_333_117_4e-1))
    let fe = FloatLanes(e)
    var y = p * f * z
    y = multiplyAdd(fe, FloatLanes(repeating: -2.121_944_40e-4), y)
    y = multiplyAdd(z, FloatLanes(repeating: -0.5), y)
    var r = multiplyAdd(fe, FloatLanes(repeating: 0.693_359_375), f + y)
    let special = .!(x .> 0 .& x .< .infinity)
    if any(special) {
        r.replace(with: .nan, where: special)
        r.replace(with: -.infinity, where: x .== 0)
        r.replace(with: .infinity, where: x .== .infinity)
    }
    return r
}

/// log(1 + z) of any lanes, after Goldberg: with u = 1 + z rounded, log(u) * z / (u - 1) (z
/// itself where u rounds to 1; log(u) where u is infinite or NaN), as `log1pSingle`.
@inline(__always)
func vectorLog1p(_ z: FloatLanes) -> FloatLanes {
    let u = 1 + z
    let lu = vectorLog(u)
    var r = lu * (z / (u - 1))
    r.replace(with: z, where: u .== 1)
    r.replace(with: lu, where: .!(u .< .infinity))
    return r
}
