/// `X-Request-Id`: echoed when the client sent a usable one, generated otherwise.
enum RequestID {
    /// Longest client-supplied id echoed back; longer ones are replaced (they end up in logs).
    static let maxLength = 200

    /// The id for a request whose `X-Request-Id` field is `sent`: `sent` when it is 1–200
    /// visible ASCII characters, else 16 random hex digits.
    static func resolve(_ sent: String?) -> String {
        if let sent, !sent.isEmpty, sent.utf8.count <= maxLength,
            sent.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return sent
        }
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
