import HTTPServer
import LossKernels

extension LossService {
    /// The route table of shared/API.md (openapi.yaml describes the same routes), and the
    /// playground's page and assets (`PlaygroundPage`), which are no part of the API.
    static func addRoutes(to router: inout Router<RouteHandler>) {
        router.add("GET", "/") { _, _, _, _ in try PlaygroundPage.response(for: PlaygroundPage.pageName) }
        router.add("GET", "/playground") { _, _, _, _ in try PlaygroundPage.response(for: PlaygroundPage.pageName) }
        router.add("GET", "/playground/{asset}") { _, _, parameters, _ in
            try PlaygroundPage.response(for: parameters["asset"]!)
        }
        router.add("GET", "/healthz") { _, _, _, _ in .json(#"{"status":"ok"}"#) }
        router.add("GET", "/readyz") { service, _, _, _ in service.readinessResponse() }
        router.add("GET", "/openapi.yaml") { _, _, _, _ in
            Response(status: 200, contentType: "application/yaml", body: OpenAPISpec.yaml)
        }
        router.add("GET", "/v1/losses") { _, _, _, _ in .json(CatalogueDocument.bytes) }
        router.add("POST", "/v1/loss/{name}") { service, request, parameters, record in
            try service.computeLoss(request, name: parameters["name"]!, record: &record)
        }
        router.add("POST", "/v1/batch") { service, request, _, record in
            try service.computeBatch(request, record: &record)
        }
        router.add("GET", "/v2") { _, _, _, _ in .json(OIPMetadata.server) }
        router.add("GET", "/v2/health/live") { _, _, _, _ in .json(#"{"live":true}"#) }
        router.add("GET", "/v2/health/ready") { service, _, _, _ in
            .json(#"{"ready":\#(service.configuration.readiness.isReady)}"#,
                  status: service.configuration.readiness.isReady ? 200 : 503)
        }
        router.add("GET", "/v2/models/{name}") { _, _, parameters, _ in
            .json(OIPMetadata.model(try LossName.named(parameters["name"]!)))
        }
        router.add("GET", "/v2/models/{name}/ready") { _, _, parameters, _ in
            let name = try LossName.named(parameters["name"]!)
            return .json(OIPMetadata.modelReady(name))
        }
        router.add("POST", "/v2/models/{name}/infer") { service, request, parameters, record in
            try service.infer(request, name: parameters["name"]!, record: &record)
        }
    }

    /// `/readyz`: 200 `{"status":"ready"}`, or 503 `{"status":"draining"}` after SIGTERM.
    func readinessResponse() -> Response {
        configuration.readiness.isReady
            ? .json(#"{"status":"ready"}"#) : .json(#"{"status":"draining"}"#, status: 503)
    }
}

extension LossName {
    /// The loss called `name` on the wire.
    ///
    /// - Throws: `Problem` UNKNOWN_LOSS (404) listing the known names.
    static func named(_ name: String) throws(Problem) -> LossName {
        guard let loss = LossName(rawValue: name) else {
            throw Problem(
                .unknownLoss,
                "Unknown loss \"\(name)\"; known: \(LossName.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return loss
    }
}

extension Response {
    /// A 200 (or `status`) `application/json` response with `body`.
    static func json(_ body: [UInt8], status: Int = 200) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// A 200 (or `status`) `application/json` response with the UTF-8 of `text`.
    static func json(_ text: String, status: Int = 200) -> Response {
        json(Array(text.utf8), status: status)
    }
}
