import TensorCodecs
import Testing

/// ``SafetensorsReader`` against a file written by the reference implementation, every
/// validation rule, ``SafetensorsWriter`` round trips, and ``HalfPrecision``.
@Suite struct SafetensorsTests {
    /// A file with `header` (JSON text, unpadded) and `data` as its byte buffer.
    private func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + data
    }

    private func kind(of body: [UInt8], options: SafetensorsReader.Options = .init()) -> SafetensorsError.Kind? {
        do {
            _ = try SafetensorsReader.read(body, options: options)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func referenceFile_IsReadWithItsNamesShapesValuesAndMetadata() throws {
        let parsed = try SafetensorsReader.read(SafetensorsFixtures.file)
        #expect(parsed.metadata("format") == "pt")
        #expect(parsed.metadata("diagnostics") == #"{"counts":{}}"#)
        let input = try #require(parsed["input"])
        #expect(input.dtype == .f16 && input.shape == [2, 3])
        let floats = try #require(input.floatValues())
        for (value, bits) in zip(floats, SafetensorsFixtures.inputFloatBits) {
            if value.isNaN { #expect(Float(bitPattern: bits).isNaN) } else { #expect(value.bitPattern == bits) }
        }
        let bf = try #require(parsed["bf"])
        #expect(bf.dtype == .bf16 && bf.floatValues()?.map(\.bitPattern) == SafetensorsFixtures.bfFloatBits)
        #expect(parsed["target"]?.int64Values() == [1, -100])
        #expect(parsed["mask"]?.int64Values() == [0, 200, 255])
        #expect(parsed["index"]?.int64Values() == [-7, 2_147_483_647])
        #expect(parsed["weight"]?.doubleValues() == [0.1, -1e300])
        #expect(parsed["weight"]?.floatValues() == [Float(0.1), -.infinity])
        #expect(parsed["scalar"]?.shape == [] && parsed["scalar"]?.floatValues() == [2.5])
        #expect(parsed["empty"]?.shape == [0, 3] && parsed["empty"]?.floatValues() == [])
        #expect(parsed["target"]?.floatValues() == nil)
        #expect(parsed["input"]?.int64Values() == nil)
    }

    @Test func writtenFile_ReadsBackIdentically_AndIsPaddedToEightBytes() throws {
        let grad: [Float] = [0.5, -1.25, .infinity, Float(bitPattern: 0x0000_0859)]  // last: subnormal
        let written = SafetensorsWriter.write(
            [
                .init(name: "value", shape: [], float32: [0.75]),
                .init(name: "grad", shape: [2, 2], float32: grad),
                .init(name: "wide", shape: [1], float64: [1e300]),
                .init(name: "classes", shape: [3], int64: [0, -100, .max]),
            ],
            metadata: [("diagnostics", #"{"warnings":[]}"#)])
        let headerLength = written.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(headerLength % 8 == 0)
        #expect(written[8] == UInt8(ascii: "{"))
        let parsed = try SafetensorsReader.read(written)
        #expect(parsed.tensors.map(\.name) == ["value", "grad", "wide", "classes"])
        #expect(parsed["value"]?.floatValues() == [0.75])
        #expect(parsed["grad"]?.shape == [2, 2])
        #expect(parsed["grad"]?.floatValues()?.map(\.bitPattern) == grad.map(\.bitPattern))
        #expect(parsed["wide"]?.doubleValues() == [1e300])
        #expect(parsed["classes"]?.int64Values() == [0, -100, .max])
        #expect(parsed.metadata("diagnostics") == #"{"warnings":[]}"#)
    }

    @Test func emptyFile_WithNoTensors_IsValid() throws {
        let parsed = try SafetensorsReader.read(SafetensorsWriter.write([]))
        #expect(parsed.tensors.isEmpty && parsed.metadata.isEmpty)
    }

    @Test func shortBody_IsHeaderTooSmall() {
        #expect(kind(of: [1, 0, 0, 0, 0, 0, 0]) == .headerTooSmall)
    }

    @Test func headerLongerThanTheCap_IsRejectedBeforeReading() {
        let body = file("{}", declaredLength: 200)
        #expect(kind(of: body, options: .init(maxHeaderBytes: 100)) == .headerTooLarge(length: 200, limit: 100))
        #expect(kind(of: file("{}", declaredLength: .max)) == .headerTooLarge(length: .max, limit: 100_000_000))
    }

    @Test func headerLengthPastTheBody_IsInvalidHeaderLength() {
        #expect(kind(of: file("{}", declaredLength: 1000)) == .invalidHeaderLength(length: 1000, bodyLength: 10))
    }

    @Test(arguments: [
        ("[]", "starting with '{'"),
        ("", "starting with '{'"),
        ("{\"a\":", "unexpected end"),
        (#"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}"#, "duplicate"),
        ("{\"x\": NaN}", "unexpected character 'N'"),
    ])
    func malformedHeader_IsInvalidHeader(header: String, expected: String) {
        guard case .invalidHeader(let detail)? = kind(of: file(header)) else {
            Issue.record("\(header) was not rejected as an invalid header")
            return
        }
        #expect(detail.contains(expected), "\(detail)")
    }

    @Test func nonStringMetadata_IsInvalidMetadata() {
        guard case .invalidMetadata? = kind(of: file(#"{"__metadata__":{"a":1}}"#)) else {
            Issue.record("accepted numeric metadata")
            return
        }
        guard case .invalidMetadata? = kind(of: file(#"{"__metadata__":"x"}"#)) else {
            Issue.record("accepted string metadata")
            return
        }
    }

    @Test(arguments: [
        #"{"t":{"shape":[1],"data_offsets":[0,4]}}"#,
        #"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
        #"{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
        #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
        #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#,
        #"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}"#,
        #"{"t":[1]}"#,
    ])
    func malformedEntry_IsInvalidTensorEntryNamingTheTensor(header: String) {
        guard case .invalidTensorEntry(let tensor, _)? = kind(of: file(header, data: [0, 0, 0, 0])) else {
            Issue.record("\(header) was not rejected as an invalid entry")
            return
        }
        #expect(tensor == "t")
    }

    @Test func unknownDType_IsUnsupported() {
        #expect(kind(of: file(#"{"t":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}"#, data: [0]))
            == .unsupportedDType(tensor: "t", dtype: "F4"))
    }

    @Test func gapOrOverlap_IsInvalidOffset() {
        let gap = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#
        #expect(kind(of: file(gap, data: [0, 0, 0])) == .invalidOffset(tensor: "a"))
        let overlap = #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#
        #expect(kind(of: file(overlap, data: [0, 0, 0])) == .invalidOffset(tensor: "b"))
    }

    @Test func tensorsOutOfHeaderOrder_AreValidatedByOffset() throws {
        let header = #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#
        let parsed = try SafetensorsReader.read(file(header, data: [1, 2, 3]))
        #expect(parsed.tensors.map(\.name) == ["b", "a"])
        #expect(parsed["a"]?.int64Values() == [1, 2] && parsed["b"]?.int64Values() == [3])
    }

    @Test func hugeShape_IsValidationOverflow() {
        let header = #"{"t":{"dtype":"F64","shape":[4503599627370496,4096],"data_offsets":[0,8]}}"#
        #expect(kind(of: file(header, data: [UInt8](repeating: 0, count: 8))) == .validationOverflow(tensor: "t"))
        // 2^61 elements fit an Int; 2^61 × 8 bytes does not.
        let bytes = #"{"t":{"dtype":"F64","shape":[2251799813685248,1024],"data_offsets":[0,8]}}"#
        #expect(kind(of: file(bytes, data: [UInt8](repeating: 0, count: 8))) == .validationOverflow(tensor: "t"))
    }

    @Test func spanDisagreeingWithShape_IsSizeMismatch() {
        let header = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
        #expect(kind(of: file(header, data: [0, 0, 0, 0])) == .sizeMismatch(tensor: "t", expectedBytes: 8, actualBytes: 4))
    }

    @Test func bytesAfterTheLastTensor_AreAnIncompleteBuffer() {
        let header = #"{"t":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#
        #expect(kind(of: file(header, data: [0, 0, 9])) == .incompleteBuffer(coveredBytes: 2, bufferBytes: 3))
    }

    @Test func errorsNameTheirTensor() {
        #expect(SafetensorsError(.invalidOffset(tensor: "target")).tensor == "target")
        #expect(SafetensorsError(.headerTooSmall).tensor == nil)
        #expect(SafetensorsError(.sizeMismatch(tensor: "input", expectedBytes: 8, actualBytes: 4)).description
            == "safetensors tensor \"input\" spans 4 bytes but its dtype and shape need 8")
    }

    @Test func everyF16BitPattern_ConvertsExactly() {
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromF16: bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(ours.isNaN && ours.sign == reference.sign)
            } else if ours.bitPattern != reference.bitPattern {
                Issue.record("F16 0x\(String(bits, radix: 16)): \(ours) vs \(reference)")
            }
        }
    }

    @Test func bf16_IsTheUpperHalfOfAFloat() {
        #expect(HalfPrecision.float(fromBF16: 0x3FC0) == 1.5)
        #expect(HalfPrecision.float(fromBF16: 0x0001) == Float(bitPattern: 0x0001_0000))  // subnormal
        #expect(HalfPrecision.float(fromBF16: 0xFF80) == -.infinity)
        #expect(HalfPrecision.float(fromBF16: 0x7FC0).isNaN)
    }
}
