/// Why a compressed body could not be decoded.
///
/// The server maps `code` to a status: `.decompressedSizeExceeded` to 413 (the body is too large
/// once decoded), `.memoryBudgetExceeded` to 503 (retry later), every other code to 400 (the body
/// is not valid data in its declared coding).
public struct InflateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String

        /// The decoded output would exceed the configured cap; decoding stopped at the cap.
        public static let decompressedSizeExceeded = Code(name: "decompressed_size_exceeded")
        /// The input ended before the compressed stream did.
        public static let truncated = Code(name: "truncated")
        /// The input is not a valid stream in its format (bad header, bad data, bad checksum).
        public static let corrupt = Code(name: "corrupt")
        /// Bytes follow the end of a zlib or raw deflate stream.
        public static let trailingData = Code(name: "trailing_data")
        /// The process-wide memory budget could not hold the decoded bytes at this moment (the
        /// request may succeed later: the server answers 503 with `Retry-After`).
        public static let memoryBudgetExceeded = Code(name: "memory_budget_exceeded")

        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation, including zlib's message where there is one.
    public let detail: String

    public var description: String { "\(code): \(detail)" }
}
