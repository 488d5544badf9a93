/// The responses of openapi.yaml: which statuses each kind of route can send, and their headers.
extension OpenAPISpec {
    /// What a route is, for the statuses it can answer with.
    struct RouteKind: OptionSet {
        let rawValue: Int
        /// Behind the bearer token when one is configured (401).
        static let protected = RouteKind(rawValue: 1)
        /// Its path names a loss that may not exist (404 UNKNOWN_LOSS).
        static let namesLoss = RouteKind(rawValue: 4)
        /// Computes a job (422).
        static let computes = RouteKind(rawValue: 8)
        /// Its path names a playground asset that may not exist (404 NOT_FOUND).
        static let namesAsset = RouteKind(rawValue: 16)
    }

    /// Statuses the HTTP layer answers on any route without running a handler, and the name of
    /// their shared response.
    static let serverStatuses: [(status: String, response: String)] = [
        ("400", "BadRequest"), ("406", "NotAcceptable"), ("408", "RequestTimeout"), ("413", "BodyTooLarge"),
        ("414", "URITooLong"), ("415", "UnsupportedMediaType"), ("417", "ExpectationFailed"),
        ("431", "HeadersTooLarge"), ("503", "Overloaded"), ("505", "HTTPVersionNotSupported"),
    ]

    /// The error responses of a route of `kind`, by status, in ascending order; `overrides`
    /// replaces a status's shared response (readiness's 503, for one).
    static func errorResponses(_ kind: RouteKind, overrides: [String: YAMLValue] = [:], head: Bool = false)
        -> [(String, YAMLValue)]
    {
        var statuses = serverStatuses
        if kind.contains(.protected) { statuses.append(("401", "Unauthorized")) }
        if kind.contains(.namesLoss) { statuses.append(("404", "NotFound")) }
        if kind.contains(.namesAsset) { statuses.append(("404", "NoSuchAsset")) }
        if kind.contains(.computes) { statuses.append(("422", "Unprocessable")) }
        return statuses.sorted { $0.status < $1.status }.map { status, name in
            if let override = overrides[status] { return (status, head ? withoutContent(override) : override) }
            return (status, head ? withoutContent(sharedResponses[name]!) : ["$ref": .string("#/components/responses/" + name)])
        }
    }

    /// A response's headers: `X-Request-Id` and `Server-Timing`, then `extra`.
    static func headers(_ extra: [(String, YAMLValue)] = []) -> YAMLValue {
        .mapping([
            ("X-Request-Id", ["$ref": "#/components/headers/XRequestId"]),
            ("Server-Timing", ["$ref": "#/components/headers/ServerTiming"]),
        ] + extra.map { ($0.0, $0.1) })
    }

    /// A success response: `description`, the usual headers (plus `extraHeaders`) and one
    /// schema per media type.
    static func success(_ description: String, _ content: [(String, YAMLValue)], extraHeaders: [(String, YAMLValue)] = [])
        -> YAMLValue
    {
        [
            "description": .string(description),
            "headers": headers(extraHeaders),
            "content": .mapping(content.map { ($0.0, ["schema": $0.1]) }),
        ]
    }

    /// `response` as a HEAD answer carries it: the same status and headers, no body.
    static func withoutContent(_ response: YAMLValue) -> YAMLValue {
        guard case .mapping(let members) = response else { return response }
        return .mapping(members.filter { $0.key != "content" })
    }

    /// A problem+json response with `headers`.
    private static func problem(_ description: String, extraHeaders: [(String, YAMLValue)] = []) -> YAMLValue {
        success(description, [("application/problem+json", ["$ref": "#/components/schemas/Problem"])], extraHeaders: extraHeaders)
    }

    private static let retryAfter: (String, YAMLValue) = ("Retry-After", ["$ref": "#/components/headers/RetryAfter"])

    /// `components.responses`.
    static let sharedResponses: [String: YAMLValue] = [
        "BadRequest": problem(
            "MALFORMED_JSON or MALFORMED_REQUEST: the body is not JSON or not a request of this operation, the HTTP "
                + "framing is malformed, or a header field that must appear once was given twice."),
        "Unauthorized": problem(
            "UNAUTHORIZED: lossd runs with a bearer token and the request has none, or a wrong one.",
            extraHeaders: [("WWW-Authenticate", ["$ref": "#/components/headers/WWWAuthenticate"])]),
        "NotFound": problem("UNKNOWN_LOSS: no loss (OIP model) has this name; the detail lists the known ones."),
        "NoSuchAsset": problem("NOT_FOUND: the playground has no asset of this name."),
        "NotAcceptable": problem(
            "NOT_ACCEPTABLE: `Accept` admits neither application/json nor application/octet-stream, or "
                + "`Accept-Encoding` admits no coding lossd offers."),
        "RequestTimeout": problem("REQUEST_TIMEOUT: the head or body did not arrive within the server's timeout; the connection closes."),
        "BodyTooLarge": problem(
            "BODY_TOO_LARGE: the body, its decompressed form, or its number of JSON values exceeds the limit; the connection closes."),
        "URITooLong": problem("URI_TOO_LONG: the request line exceeds the server's limit; the connection closes."),
        "UnsupportedMediaType": problem(
            "UNSUPPORTED_MEDIA_TYPE: a `Content-Type` this operation does not read, or a `Content-Encoding` other than "
                + "one gzip or deflate coding."),
        "ExpectationFailed": problem("EXPECTATION_FAILED: an `Expect` other than `100-continue`; the connection closes."),
        "Unprocessable": problem(
            "SHAPE_MISMATCH, TARGET_OUT_OF_RANGE, INVALID_TENSOR or INVALID_OPTION, with JSON pointers to the offending elements."),
        "HeadersTooLarge": problem("HEADERS_TOO_LARGE: the header section exceeds the server's limits; the connection closes."),
        "Overloaded": problem(
            "OVERLOADED: too many requests in flight, or every connection slot taken; retry after `Retry-After` seconds.",
            extraHeaders: [retryAfter]),
        "HTTPVersionNotSupported": problem(
            "HTTP_VERSION_NOT_SUPPORTED: a request line with an HTTP version other than 1.0 and 1.1; the connection closes."),
    ]

    /// `/readyz` and `/v2/health/ready` answer 503 with their own body while draining, and
    /// OVERLOADED when the connection table is full.
    static func drainingOr503(_ schema: YAMLValue) -> YAMLValue {
        [
            "description": "Draining after SIGTERM (the readiness body), or OVERLOADED (a problem, with `Retry-After`).",
            "headers": headers(),
            "content": [
                "application/json": ["schema": schema],
                "application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]],
            ],
        ]
    }

    /// `components.headers`.
    static let sharedHeaders: YAMLValue = [
        "XRequestId": [
            "description": "The request id: the request's `X-Request-Id` when it is 1 to 200 visible ASCII characters, else 16 generated hex digits.",
            "required": true,
            "schema": ["type": "string", "minLength": 1, "maxLength": 200],
        ],
        "ServerTiming": [
            "description": "`parse;dur=…, compute;dur=…, encode;dur=…` in milliseconds (zeros for answers the HTTP layer writes itself).",
            "required": true,
            "schema": ["type": "string", "pattern": "^parse;dur=[0-9]+\\.[0-9]{3}, compute;dur=[0-9]+\\.[0-9]{3}, encode;dur=[0-9]+\\.[0-9]{3}$"],
        ],
        "RetryAfter": [
            "description": "Seconds to wait before retrying (`--retry-after`).",
            "required": true,
            "schema": ["type": "integer", "minimum": 0],
        ],
        "Allow": [
            "description": "The methods the path serves.",
            "required": true,
            "schema": ["type": "string"],
        ],
        "WWWAuthenticate": [
            "description": "`Bearer realm=\"lossd\"`, with `error=\"invalid_token\"` when a token was sent but is wrong.",
            "required": true,
            "schema": ["type": "string"],
        ],
    ]
}
