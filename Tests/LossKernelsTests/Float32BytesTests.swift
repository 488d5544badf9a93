import LossKernels
import LossTestSupport
import Testing

/// float32 inputs read in place from bytes (`Tensor.Storage.float32Bytes`) give exactly the
/// answers of the same values in a `[Float]`.
struct Float32BytesTests {
    private static func bytes(_ values: [Float]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    @Test func view_ReadsTheElements_AndRefusesWhatItCannotReadInPlace() throws {
        let values: [Float] = [1.5, -2, .infinity, 0x1p-149]
        let raw = Self.bytes(values)
        let view = try #require(Float32Bytes(raw[...]))
        #expect(view.count == 4)
        #expect(view.withUnsafeBufferPointer(Array.init) == values)
        // A slice starting one byte in is misaligned; a partial element is not an element.
        let shifted = [0] + raw
        #expect(Float32Bytes(shifted[1...]) == nil)
        #expect(Float32Bytes(raw[0..<7]) == nil)
        // A slice starting at an element boundary inside a buffer is read from there.
        #expect(Float32Bytes(raw[4...])?.withUnsafeBufferPointer(Array.init) == Array(values[1...]))
    }

    @Test(arguments: [
        (LossName.crossEntropy, [4, 6]), (.crossEntropy, [2, 6, 2]), (.crossEntropy, [6]),
        (.mseLoss, [4, 6]), (.binaryCrossEntropyWithLogits, [4, 6]), (.klDiv, [4, 6]),
    ])
    func job_WithInputBytes_MatchesTheSameJobWithAnArray(_ name: LossName, shape: [Int]) throws {
        var g = SeededGenerator(seed: 11)
        let count = shape.reduce(1, *)
        var values = g.doubles(count).map { Float($0) }
        values[1] = -.infinity  // the fused kernel's -inf handling
        if shape == [4, 6] { values[7] = .nan }  // a row that leaves the fused path
        let positions = shape.count == 1 ? [] : [shape[0]] + shape.dropFirst(2)
        let target = name == .crossEntropy ? g.classes(positions, classes: 6, ignored: 0.25)
            : Tensor(shape: shape, float32: g.doubles(count, in: 0...1).map { Float($0) })
        let raw = Self.bytes(values)
        let inPlace = Tensor(shape: shape, storage: .float32Bytes(try #require(Float32Bytes(raw[...]))))
        for dtype in [DType.float32, .float64] {
            var options = LossOptions()
            options.dtype = dtype
            let expected = try Loss.compute(LossJob(name: name, input: Tensor(shape: shape, float32: values), target: target, options: options))
            let observed = try Loss.compute(LossJob(name: name, input: inPlace, target: target, options: options))
            #expect(observed.value.doubles.map(\.bitPattern) == expected.value.doubles.map(\.bitPattern))
            #expect(observed.grad?.doubles.map(\.bitPattern) == expected.grad?.doubles.map(\.bitPattern))
            // Compared as text: the NaN row puts NaN statistics in both, and NaN != NaN.
            #expect(String(describing: observed.diagnostics) == String(describing: expected.diagnostics))
        }
    }

    @Test func tensorAccessors_TreatBytesAsFloat32() throws {
        let raw = Self.bytes([0.25, 3])
        let tensor = Tensor(shape: [2], storage: .float32Bytes(try #require(Float32Bytes(raw[...]))))
        #expect(tensor.count == 2)
        #expect(tensor.isFloatingPoint)
        #expect(tensor.doubles == [0.25, 3])
        #expect(tensor.float32Values == [0.25, 3])
        #expect(tensor.withFloat32Elements { $0.reduce(0, +) } == 3.25)
        #expect(tensor.converted(to: .float64).doubles == [0.25, 3])
        #expect(Tensor(shape: [1], float64: [1]).withFloat32Elements { $0.count } == nil)
    }
}
