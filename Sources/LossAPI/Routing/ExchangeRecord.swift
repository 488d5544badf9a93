/// What happened while one request was answered: the route template, the request id, the
/// parse/compute/encode durations (the `Server-Timing` header), and what the job reported.
/// The executable's access log and metrics read it (`LossService.respond(to:)`).
public struct ExchangeRecord: Sendable {
    /// The matched route template (`/v1/loss/{name}`), or `unmatched`; a low-cardinality label.
    public var route: String
    /// The `X-Request-Id` sent back.
    public var requestID: String
    /// Time spent decoding the request body into jobs.
    public var parse: Duration = .zero
    /// Time spent in the kernels.
    public var compute: Duration = .zero
    /// Time spent writing the response body.
    public var encode: Duration = .zero
    /// The losses computed (one per job), by wire name.
    public var losses: [String] = []
    /// The warning codes the jobs raised, one entry per job and code.
    public var warningCodes: [String] = []
    /// The problem code when the answer is an error.
    public var problemCode: String?

    /// A record for a request on `route` with id `requestID`.
    public init(route: String, requestID: String) {
        self.route = route
        self.requestID = requestID
    }

    /// The `Server-Timing` field value (RFC: W3C Server Timing), durations in milliseconds.
    public var serverTiming: String {
        "parse;dur=\(Self.milliseconds(parse)), compute;dur=\(Self.milliseconds(compute)), encode;dur=\(Self.milliseconds(encode))"
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let whole = microseconds / 1000
        let fraction = microseconds % 1000
        let digits = String(fraction)
        return "\(whole)." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}

/// Measures the wall-clock time of `body` into `duration` (added, so phases can be split).
@inline(__always)  // a closure-taking helper on every phase of every request; keep it free
func timed<T, E: Error>(_ duration: inout Duration, _ body: () throws(E) -> T) throws(E) -> T {
    let start = ContinuousClock.now
    defer { duration += ContinuousClock.now - start }
    return try body()
}
