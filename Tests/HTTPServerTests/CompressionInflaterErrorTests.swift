import HTTPServer
import LossTestSupport
import Testing

@Suite("Inflater refuses bombs, truncation, corruption and trailing data")
struct CompressionInflaterErrorTests {
    static let body = Array(String(repeating: "[0.125,-3.5,1e-07],", count: 400).utf8)

    /// Runs `body` and returns the `InflateError` code it threw, or `nil` if it did not throw.
    static func errorCode(_ body: () throws(InflateError) -> Void) -> InflateError.Code? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test(
        "a zip bomb stops at the cap with its own error, without allocating past it",
        arguments: [
            CompressionFormat.gzip, .zlib,
        ]
    )
    func zipBombStopsAtCap(format: CompressionFormat) {
        // 64 MiB of zeros compress to about 64 KiB: a 1000:1 bomb.
        let deflater = Deflater(format: format, level: 9)
        var bomb: [UInt8] = []
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<64 { deflater.compress(zeros, into: &bomb) }
        deflater.finish(into: &bomb)
        #expect(bomb.count < 128 * 1024)

        let limit = 1 << 20
        let inflater = Inflater(format: format, limit: limit)
        var output: [UInt8] = []
        let code = Self.errorCode { () throws(InflateError) in try inflater.inflate(bomb, into: &output) }
        #expect(code == .decompressedSizeExceeded)
        #expect(inflater.producedCount == limit)  // stopped exactly at the cap
        #expect(output.count == limit)
        // Capacity may exceed the request by malloc's rounding (a page for mmap-sized blocks),
        // never by Array's doubling.
        #expect(output.capacity <= limit + 8192)
        // The instance refuses to continue after the error.
        #expect(Self.errorCode { () throws(InflateError) in try inflater.inflate([0], into: &output) } == .corrupt)
    }

    @Test("a bomb fed in small pieces fails the same way")
    func zipBombFedInPieces() {
        let bomb = Deflater.compress([UInt8](repeating: 0x20, count: 8 << 20), format: .gzip, level: 6)
        let inflater = Inflater(format: .gzip, limit: 100_000)
        var output: [UInt8] = []
        let code = Self.errorCode { () throws(InflateError) in
            for start in stride(from: 0, to: bomb.count, by: 100) {
                try inflater.inflate(bomb[start..<min(start + 100, bomb.count)], into: &output)
            }
        }
        #expect(code == .decompressedSizeExceeded)
        #expect(output.count == 100_000)
    }

    @Test("a body exactly at the cap is accepted")
    func bodyAtCapAccepted() throws {
        let compressed = Deflater.compress(Self.body, format: .gzip)
        #expect(try Inflater.decompress(compressed, format: .gzip, limit: Self.body.count) == Self.body)
        let code = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(compressed, format: .gzip, limit: Self.body.count - 1)
        }
        #expect(code == .decompressedSizeExceeded)
    }

    @Test("every truncation of a stream is reported as truncated", arguments: CompressionFormat.allCases)
    func truncation(format: CompressionFormat) {
        let compressed = Deflater.compress(Self.body, format: format)
        // Raw deflate has no trailer, so only cuts inside the deflate data are detectable; the
        // wrapped formats must detect every cut, including one inside the checksum trailer.
        for cut in 0..<compressed.count {
            let code = Self.errorCode { () throws(InflateError) in
                _ = try Inflater.decompress(compressed[..<cut], format: format, limit: Self.body.count)
            }
            #expect(code == .truncated, "cut at \(cut) of \(compressed.count)")
        }
    }

    @Test("a flipped byte in the data or the checksum is corrupt", arguments: [CompressionFormat.gzip, .zlib])
    func corruption(format: CompressionFormat) {
        let compressed = Deflater.compress(Self.body, format: format)
        for position in [0, 1, compressed.count / 2, compressed.count - 1] {
            var damaged = compressed
            damaged[position] ^= 0x55
            let code = Self.errorCode { () throws(InflateError) in
                _ = try Inflater.decompress(damaged, format: format, limit: Self.body.count * 2)
            }
            #expect(code == .corrupt, "byte \(position) flipped")
        }
    }

    @Test("plain text declared as gzip or deflate is corrupt")
    func notCompressed() {
        for format in [CompressionFormat.gzip, .zlib] {
            let code = Self.errorCode { () throws(InflateError) in
                _ = try Inflater.decompress(Array("{\"inputs\": []}".utf8), format: format, limit: 1000)
            }
            #expect(code == .corrupt)
        }
    }

    @Test("raw deflate sent as HTTP deflate (zlib) is refused, not sniffed")
    func rawDeflateIsNotZlib() {
        let raw = Deflater.compress(Self.body, format: .rawDeflate)
        let code = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(raw, format: ContentCoding.deflate.format!, limit: 1 << 20)
        }
        #expect(code == .corrupt)
    }

    @Test(
        "random damage to a stream ends in a result or an InflateError, never beyond the cap",
        arguments: [
            CompressionFormat.gzip, .zlib, .rawDeflate,
        ]
    )
    func randomDamage(format: CompressionFormat) {
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let valid = Deflater.compress(Self.body, format: format)
        let limit = Self.body.count + 100
        var outcomes: [String: Int] = [:]
        for _ in 0..<3000 {
            var damaged = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<damaged.count, using: &generator)
                damaged[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) {
                damaged.removeLast(Int.random(in: 0..<damaged.count, using: &generator))
            }
            let inflater = Inflater(format: format, limit: limit)
            var output: [UInt8] = []
            do {
                try inflater.inflate(damaged, into: &output)
                try inflater.finish()
                outcomes[output == Self.body ? "decoded" : "decoded differently", default: 0] += 1
            } catch {
                outcomes[error.code.description, default: 0] += 1
            }
            #expect(output.count <= limit)
        }
        // The wrapped formats' checksums catch damage that still decodes as deflate data (what
        // decodes had the damage in unchecked gzip header fields such as the timestamp).
        if format != .rawDeflate { #expect(outcomes["decoded differently"] == nil) }
        #expect(outcomes["corrupt", default: 0] > 1000)
        #expect(outcomes["truncated", default: 0] > 100)
    }

    @Test("an empty compressed body is truncated")
    func emptyBody() {
        let code = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress([], format: .gzip, limit: 10)
        }
        #expect(code == .truncated)
    }

    @Test("concatenated gzip members decode into one body, under one cap")
    func concatenatedMembers() throws {
        let first = Array("first member;".utf8)
        let second = Array("second member".utf8)
        let joined = Deflater.compress(first, format: .gzip) + Deflater.compress(second, format: .gzip)
        #expect(try Inflater.decompress(joined, format: .gzip, limit: 100) == first + second)

        // The cap counts both members together.
        let code = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(joined, format: .gzip, limit: first.count + 3)
        }
        #expect(code == .decompressedSizeExceeded)

        // A member cut short after a complete one is still truncation.
        let cut = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(joined.dropLast(4), format: .gzip, limit: 100)
        }
        #expect(cut == .truncated)
    }

    @Test("garbage after a gzip member is corrupt; after a zlib stream it is trailing data")
    func dataAfterTheEnd() {
        let garbage = Array("XYZ".utf8)
        let gzipCode = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(
                Deflater.compress(Self.body, format: .gzip) + garbage,
                format: .gzip,
                limit: 1 << 20
            )
        }
        #expect(gzipCode == .corrupt)
        let zlibCode = Self.errorCode { () throws(InflateError) in
            _ = try Inflater.decompress(
                Deflater.compress(Self.body, format: .zlib) + garbage,
                format: .zlib,
                limit: 1 << 20
            )
        }
        #expect(zlibCode == .trailingData)
    }

    @Test("errors describe themselves with a stable code and zlib's message")
    func errorDescription() {
        var damaged = Deflater.compress(Self.body, format: .zlib)
        damaged[damaged.count - 1] ^= 0xFF
        do {
            _ = try Inflater.decompress(damaged, format: .zlib, limit: 1 << 20)
            Issue.record("a damaged checksum was accepted")
        } catch {
            #expect(error.description == "corrupt: incorrect data check")
        }
        #expect(InflateError.Code.decompressedSizeExceeded.description == "decompressed_size_exceeded")
    }
}
