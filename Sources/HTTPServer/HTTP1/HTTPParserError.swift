/// Why a request could not be parsed, and the status the server answers with.
///
/// Every parser error closes the connection after the response: once framing is in doubt, no
/// further byte on that connection can be trusted (RFC 9112 §6.3, §9.6; no request smuggling).
struct HTTPParserError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    enum Kind: Equatable {
        case invalidRequestLine, invalidMethod, invalidTarget, unsupportedVersion, requestLineTooLong
        case headerSectionTooLarge, tooManyHeaderFields
        case invalidFieldName, whitespaceBeforeColon, obsoleteLineFolding, invalidFieldValue
        case bareCarriageReturn, bareLineFeed
        case missingHost, multipleHost, invalidHost, repeatedSingletonField
        case contentLengthWithTransferEncoding, invalidContentLength, multipleContentLength
        case unsupportedTransferCoding, transferEncodingInHTTP10
        case invalidChunkSize, chunkLineTooLong, missingChunkTerminator
        case bodyTooLarge, unsupportedExpectation
    }

    /// What went wrong.
    var kind: Kind
    /// A short human-readable explanation, sent as the text body of the error response.
    var detail: String

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The response status: 400 for malformed framing, 414/431/413 for limits, 505 for an
    /// unsupported version, 417 for an unknown expectation.
    var status: Int {
        switch kind {
        case .requestLineTooLong: 414
        case .headerSectionTooLarge, .tooManyHeaderFields: 431
        case .bodyTooLarge: 413
        case .unsupportedVersion: 505
        case .unsupportedExpectation: 417
        default: 400
        }
    }

    var description: String { "\(kind): \(detail)" }
}
