import Glibc

/// What the scan of one block of a row's logits found.
struct BlockScan {
    /// Largest value (NaN when the block holds a NaN) and the first position holding it.
    var max = -Double.infinity, argmax = 0
    var nan = 0, posInf = 0, negInf = 0
    var finiteMin = Double.infinity, finiteMax = -Double.infinity
    /// Sum of the values (NaN and infinities included).
    var sum = 0.0
}

/// The elementwise work of the linear head on one row's block of logits, per element type: the
/// generic versions below (used by Double), and SIMD versions for Float, where these passes are
/// the part of the job that BLAS does not do.
protocol LinearHeadScalar: BLASScalar {
    /// Max, argmax, special values, finite range and sum of `z[0..<n]`.
    static func scan(_ z: UnsafePointer<Self>, _ n: Int) -> BlockScan
    /// `sum exp(z - m)` and `sum exp(z - m) (z - m)` over `z[0..<n]`, for a finite `m >= max z`.
    static func expSum(_ z: UnsafePointer<Self>, _ n: Int, minus m: Double) -> (sum: Double, dot: Double)
    /// Overwrites each `z` with `(a exp(z - lse) - b w) (1 - (z capScale)^2)` (w 1 when nil; the
    /// last factor only when `capScale` is not 0); softmax entries below `threshold` count as 0.
    static func gradient(
        _ z: UnsafeMutablePointer<Self>, _ n: Int, lse: Double, a: Double, b: Double, w: UnsafePointer<Self>?,
        capScale: Double, threshold: Double)
}

extension LinearHeadScalar {
    static func scan(_ z: UnsafePointer<Self>, _ n: Int) -> BlockScan { scalarScan(z, n) }

    /// `scan` one element at a time.
    static func scalarScan(_ z: UnsafePointer<Self>, _ n: Int) -> BlockScan {
        var s = BlockScan()
        for i in 0..<n {
            let v = Double(z[i])
            if v.isNaN { s.nan += 1; continue }
            if v > s.max { s.max = v; s.argmax = i }
            if v == .infinity { s.posInf += 1 } else if v == -.infinity { s.negInf += 1 } else {
                s.finiteMin = Swift.min(s.finiteMin, v); s.finiteMax = Swift.max(s.finiteMax, v)
            }
            s.sum += v
        }
        if s.nan > 0 { s.max = .nan; s.sum = .nan }
        return s
    }

    static func expSum(_ z: UnsafePointer<Self>, _ n: Int, minus m: Double) -> (sum: Double, dot: Double) {
        var sum = 0.0, dot = 0.0
        for i in 0..<n {
            let d = Double(z[i]) - m
            let e = Glibc.exp(d)
            sum += e
            if e > 0 { dot += e * d }
        }
        return (sum, dot)
    }

    static func gradient(
        _ z: UnsafeMutablePointer<Self>, _ n: Int, lse: Double, a: Double, b: Double, w: UnsafePointer<Self>?,
        capScale: Double, threshold: Double
    ) {
        for i in 0..<n {
            let zi = Double(z[i])
            var p = Glibc.exp(zi - lse)
            if p < threshold { p = 0 }
            var g = a * p - b * (w.map { Double($0[i]) } ?? 1)
            if capScale != 0 { g *= 1 - (zi * capScale) * (zi * capScale) }
            z[i] = Self(g)
        }
    }
}

extension Double: LinearHeadScalar {}

/// Float: 8-lane loops with the fused cross entropy's `vectorExp`, sums flushed to Double every
/// 4096 elements (so a 256000-class row sums without float32 drift).
extension Float: LinearHeadScalar {
    private typealias V = FloatLanes
    private static let lanes = V.scalarCount
    private static let flushEvery = 4096

    static func scan(_ z: UnsafePointer<Float>, _ n: Int) -> BlockScan {
        let (xmax, xmin, sum) = maxMinSum(z, n)
        // NaN, +inf or -inf present: the generic scan counts them.
        guard !sum.isNaN, xmax < .infinity, xmin > -.infinity else { return scalarScan(z, n) }
        var argmax = 0
        while z[argmax] != xmax { argmax += 1 }
        return BlockScan(max: Double(xmax), argmax: argmax, finiteMin: Double(xmin), finiteMax: Double(xmax), sum: sum)
    }

    static func expSum(_ z: UnsafePointer<Float>, _ n: Int, minus m: Double) -> (sum: Double, dot: Double) {
        let raw = UnsafeRawPointer(z)
        let blocks = n / lanes * lanes
        let vm = V(repeating: Float(m))
        var vs = V(), vdot = V()
        var sum = 0.0, dot = 0.0
        var i = 0
        while i < blocks {
            let end = Swift.min(blocks, i + flushEvery)
            while i < end {
                var d = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - vm
                let flush = d .< vectorExpLowest  // -inf entries included: exp gives 0, d stays finite
                d.replace(with: vectorExpLowest, where: flush)
                let e = vectorExp(clamped: d, flush: flush)
                vs += e
                vdot += e * d
                i += lanes
            }
            sum += laneSum(vs)
            dot += laneSum(vdot)
            vs = V()
            vdot = V()
        }
        while i < n {
            let d = Double(z[i]) - m
            let e = d < Double(vectorExpLowest) ? 0 : Glibc.exp(d)
            sum += e
            if e > 0 { dot += e * d }
            i += 1
        }
        return (sum, dot)
    }

    static func gradient(
        _ z: UnsafeMutablePointer<Float>, _ n: Int, lse: Double, a: Double, b: Double, w: UnsafePointer<Float>?,
        capScale: Double, threshold: Double
    ) {
        let raw = UnsafeMutableRawPointer(z)
        let wraw = w.map(UnsafeRawPointer.init)
        let blocks = n / lanes * lanes
        let vlse = V(repeating: Float(lse)), va = V(repeating: Float(a)), vb = V(repeating: Float(b))
        let vcap = V(repeating: Float(capScale)), vthreshold = V(repeating: Float(threshold))
        var i = 0
        while i < blocks {
            let zv = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            var d = zv - vlse
            var flush = d .< vectorExpLowest
            d.replace(with: vectorExpLowest, where: flush)
            var e = vectorExp(clamped: d, flush: flush)
            if threshold > 0 {
                flush = e .< vthreshold
                e.replace(with: 0, where: flush)
            }
            var g = wraw.map { va * e - vb * $0.loadUnaligned(fromByteOffset: i * 4, as: V.self) } ?? va * e - vb
            if capScale != 0 {
                let s = zv * vcap
                g *= 1 - s * s
            }
            raw.storeBytes(of: g, toByteOffset: i * 4, as: V.self)
            i += lanes
        }
        while i < n {
            let zi = Double(z[i])
            let d = zi - lse
            var p = d < Double(vectorExpLowest) ? 0 : Glibc.exp(d)
            if p < threshold { p = 0 }
            var g = a * p - b * (w.map { Double($0[i]) } ?? 1)
            if capScale != 0 { g *= 1 - (zi * capScale) * (zi * capScale) }
            z[i] = Float(g)
            i += 1
        }
    }
}
