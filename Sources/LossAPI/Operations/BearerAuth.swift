import HTTPServer

/// Optional bearer-token authentication (RFC 6750) in front of the service.
///
/// Every route but the health and metrics ones (`LossService.operationalPaths`) and the
/// playground's page and assets (`LossService.isPlaygroundPath`, which hold no data: the page
/// asks for the token and sends it with its API calls) requires
/// `Authorization: Bearer <token>`. A missing or malformed header is answered 401 with
/// `WWW-Authenticate: Bearer realm="lossd"`; a wrong token 401 with
/// `WWW-Authenticate: Bearer realm="lossd", error="invalid_token"`; both carry the service's
/// problem+json body with code `UNAUTHORIZED`. The comparison takes the same time whatever the
/// presented token shares with the real one.
public struct BearerAuth: Sendable {
    private let token: [UInt8]

    /// Authentication with `token` (the exact bytes a client must send after `Bearer `).
    public init(token: String) {
        self.token = Array(token.utf8)
    }

    /// `exchange`, behind the token check; `service` renders the 401 problem and names its route.
    public func wrap(_ exchange: @escaping Exchange, service: LossService) -> Exchange {
        { request in
            if LossService.operationalPaths.contains(request.path) || LossService.isPlaygroundPath(request.path) {
                return exchange(request)
            }
            let problem: Problem
            switch self.check(request.headers["Authorization"]) {
            case .accepted:
                return exchange(request)
            case .missing:
                problem = Problem(
                    .unauthorized, "This route requires an Authorization: Bearer token.",
                    headers: [("WWW-Authenticate", #"Bearer realm="lossd""#)])
            case .invalid:
                problem = Problem(
                    .unauthorized, "The bearer token is not valid.",
                    headers: [("WWW-Authenticate", #"Bearer realm="lossd", error="invalid_token""#)])
            }
            var record = ExchangeRecord(
                route: service.routeLabel(for: request), requestID: RequestID.resolve(request.headers["X-Request-Id"]))
            record.problemCode = problem.code.rawValue
            var response = service.problemResponse(problem, requestID: record.requestID)
            response.headers.replaceOrAdd(name: "Server-Timing", value: record.serverTiming)
            return (response, record)
        }
    }

    /// The outcome of checking an `Authorization` header value.
    enum Outcome: Equatable {
        case accepted, missing, invalid
    }

    /// Checks an `Authorization` value: the scheme is `Bearer` in any case followed by one or
    /// more spaces (RFC 6750 §2.1); anything else counts as no credentials.
    func check(_ authorization: String?) -> Outcome {
        guard let authorization else { return .missing }
        let bytes = Array(authorization.utf8)
        guard bytes.count > 7, bytes[..<6].map({ $0 | 0x20 }) == Array("bearer".utf8), bytes[6] == 0x20 else {
            return .missing
        }
        let presented = bytes[7...].drop { $0 == 0x20 }
        return Self.constantTimeEquals(Array(presented), token) ? .accepted : .invalid
    }

    /// Whether `presented` equals `secret`, in time that depends only on `presented.count`:
    /// every byte is compared (against the secret cycled to that length) and the length check is
    /// folded into the same accumulator, so there is no early exit on the first difference.
    static func constantTimeEquals(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        guard !secret.isEmpty else { return false }
        var difference = UInt(bitPattern: presented.count ^ secret.count)
        for index in presented.indices {
            difference |= UInt(presented[index] ^ secret[index % secret.count])
        }
        return difference == 0
    }
}
