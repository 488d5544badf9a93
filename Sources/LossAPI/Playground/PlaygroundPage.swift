import HTTPServer

/// The browser playground: `GET /` and `GET /playground` answer its page, and
/// `GET /playground/{asset}` its style sheet and scripts, all from `PlaygroundAssets` (compiled
/// in, so the page works with no network but lossd itself).
///
/// Every answer carries a `Content-Security-Policy` that admits resources from lossd's own
/// origin only (the page has no inline script or style, and fetches nothing else) and
/// `X-Content-Type-Options: nosniff`; the server compresses them like any other answer.
enum PlaygroundPage {
    /// The asset that `GET /` and `GET /playground` serve.
    static let pageName = "index.html"

    /// The policy sent with every playground answer: same origin for everything, no plugins,
    /// no framing by other sites, no `<base>` rewriting, forms only back to lossd.
    static let contentSecurityPolicy =
        "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The answers, built once: asset name to response.
    private static let responses: [String: Response] = {
        var responses: [String: Response] = [:]
        for file in PlaygroundAssets.files {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType(of: file.name))
            headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
            headers.add(name: "X-Content-Type-Options", value: "nosniff")
            headers.add(name: "Referrer-Policy", value: "no-referrer")
            headers.add(name: "Cache-Control", value: "no-cache")
            responses[file.name] = Response(status: 200, headers: headers, body: Array(file.text.utf8))
        }
        return responses
    }()

    /// The answer for the asset called `name`.
    ///
    /// - Throws: `Problem` NOT_FOUND (404) when there is no such asset.
    static func response(for name: String) throws(Problem) -> Response {
        guard let response = responses[name] else {
            throw Problem(.notFound, "No playground asset \(name).")
        }
        return response
    }

    /// The media type of an asset, from its file name's extension.
    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
