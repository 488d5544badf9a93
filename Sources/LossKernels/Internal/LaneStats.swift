/// The diagnostics of the vector element runs of `Elementwise` and `PointwiseLoss`, kept per lane
/// (sums in Double) and folded when read: loss sum, extremes and NaN count, finite input range,
/// gradient sum of squares and largest magnitude. Extremes skip NaN lanes as the scalar
/// `Swift.min` / `Swift.max` do; a NaN loss is reported through `lossNaN` / `nan`.
struct LaneStats {
    private var sum = SIMD8<Double>(), squares = SIMD8<Double>()
    private var lossLow = FloatLanes(repeating: .infinity), lossHigh = FloatLanes(repeating: -.infinity)
    private var inputLow = FloatLanes(repeating: .infinity), inputHigh = FloatLanes(repeating: -.infinity)
    private var gradHigh = FloatLanes()
    private(set) var nan = 0

    /// Adds 8 finite inputs to the range.
    @inline(__always) mutating func input(_ x: FloatLanes) {
        inputLow.replace(with: x, where: x .< inputLow)
        inputHigh.replace(with: x, where: x .> inputHigh)
    }

    /// Adds the losses of elements `i..<i + 8`, and writes them to `losses` when given.
    @inline(__always) mutating func loss(_ l: FloatLanes, at i: Int, _ losses: UnsafeMutableBufferPointer<Double>?) {
        let wide = SIMD8<Double>(l)
        sum += wide
        lossLow.replace(with: l, where: l .< lossLow)
        lossHigh.replace(with: l, where: l .> lossHigh)
        let isNaN = l .!= l
        if any(isNaN) { for j in 0..<8 where isNaN[j] { nan += 1 } }
        if let losses { UnsafeMutableRawPointer(losses.baseAddress! + i).storeBytes(of: wide, as: SIMD8<Double>.self) }
    }

    /// Adds 8 gradient elements (as stored, float32).
    @inline(__always) mutating func gradient(_ g: FloatLanes) {
        let wide = SIMD8<Double>(g)
        squares += wide * wide
        let magnitude = unsafeBitCast(unsafeBitCast(g, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatLanes.self)
        gradHigh.replace(with: magnitude, where: magnitude .> gradHigh)
    }

    var lossSum: Double { sum.sum() }
    var lossNaN: Bool { nan > 0 }
    var lossMin: Double { Double(lossLow.min()) }
    var lossMax: Double { Double(lossHigh.max()) }
    var inputMin: Double { Double(inputLow.min()) }
    var inputMax: Double { Double(inputHigh.max()) }
    var sumSquares: Double { squares.sum() }
    var maxAbs: Double { Double(gradHigh.max()) }
}
