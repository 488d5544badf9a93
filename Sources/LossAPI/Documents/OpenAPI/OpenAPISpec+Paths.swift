import LossKernels

/// The paths of openapi.yaml: the fixed routes, then one compute and one OIP infer operation
/// per loss of the catalogue.
extension OpenAPISpec {
    static var paths: YAMLValue {
        let page = success(
            "The playground's page (no part of the API; never behind the bearer token).", [("text/html", ["type": "string"])],
            extraHeaders: playgroundHeaders)
        var paths: [(String, YAMLValue)] = [
            ("/", get("playground", "The browser playground", tag: "playground", ok: page)),
            ("/playground", get("playgroundPage", "The browser playground", tag: "playground", ok: page)),
            ("/playground/{asset}", get("playgroundAsset", "A style sheet, script or icon of the playground", tag: "playground",
                                        kind: .namesAsset, parameters: [assetParameter],
                                        ok: success("The asset.", playgroundMediaTypes, extraHeaders: playgroundHeaders))),
            ("/healthz", get("healthz", "Liveness: 200 while the process serves", tag: "health",
                             ok: success("The process serves.", [("application/json", ref("HealthStatus"))]))),
            ("/readyz", get("readyz", "Readiness (503 once the server drains)", tag: "health",
                            ok: success("Ready for traffic.", [("application/json", ref("ReadinessStatus"))]),
                            overrides: ["503": drainingOr503(ref("ReadinessStatus"))])),
            ("/openapi.yaml", get("openapi", "This document", tag: "health", kind: .protected,
                                  ok: success("The OpenAPI document.", [("application/yaml", ["type": "object"])]))),
            ("/metrics", get("metrics", "Prometheus text exposition (never behind the bearer token)", tag: "health",
                             ok: success("Requests, latency histograms, bytes, in-flight jobs, kernel time, warnings by code.",
                                         [("text/plain", ["type": "string"])]))),
            ("/v1/losses", get("listLosses", "The catalogue: every loss, its tensors, options with defaults and bounds, and every warning code",
                               tag: "losses", kind: .protected,
                               ok: success("Every loss lossd computes.", [("application/json", ref("Catalogue"))]))),
        ]
        for loss in Loss.catalogue { paths.append(("/v1/loss/" + loss.name.rawValue, computeOperation(loss))) }
        paths += [
            ("/v1/batch", ["post": batchOperation]),
            ("/v2", get("serverMetadata", "Server metadata", tag: "oip", kind: .protected,
                        ok: success("Name, version and the supported extensions.", [("application/json", ref("ServerMetadata"))]))),
            ("/v2/health/live", get("serverLive", "The server is live", tag: "oip",
                                    ok: success("The server is live.", [("application/json", ref("OIPLive"))]))),
            ("/v2/health/ready", get("serverReady", "The server is ready (503 once it drains)", tag: "oip",
                                     ok: success("The server is ready.", [("application/json", ref("OIPReady"))]),
                                     overrides: ["503": drainingOr503(ref("OIPReady"))])),
            ("/v2/models/{name}", get("modelMetadata", "Model metadata (a model is a loss)", tag: "oip",
                                      kind: [.protected, .namesLoss], parameters: [["$ref": "#/components/parameters/ModelName"]],
                                      ok: success("Inputs and outputs of the loss as OIP tensors (-1: any size).",
                                                  [("application/json", ref("ModelMetadata"))]))),
            ("/v2/models/{name}/ready", get("modelReady", "The model is ready", tag: "oip",
                                            kind: [.protected, .namesLoss], parameters: [["$ref": "#/components/parameters/ModelName"]],
                                            ok: success("The model is ready.", [("application/json", ref("ModelReady"))]))),
        ]
        for loss in Loss.catalogue { paths.append(("/v2/models/\(loss.name.rawValue)/infer", inferOperation(loss))) }
        return .mapping(paths.map { ($0.0, $0.1) })
    }

    /// The playground's assets by name (`index.html` included).
    private static var assetParameter: YAMLValue {
        [
            "in": "path",
            "name": "asset",
            "required": true,
            "schema": ["type": "string", "enum": .list(PlaygroundAssets.files.map { .string($0.name) })],
        ]
    }

    /// The media types of the playground's assets, each once.
    private static var playgroundMediaTypes: [(String, YAMLValue)] {
        var types: [String] = []
        for file in PlaygroundAssets.files {
            let type = String(PlaygroundPage.contentType(of: file.name).prefix { $0 != ";" })
            if !types.contains(type) { types.append(type) }
        }
        return types.map { ($0, ["type": "string"]) }
    }

    /// The security headers every playground answer carries.
    private static let playgroundHeaders: [(String, YAMLValue)] = [
        ("Content-Security-Policy", ["required": true, "schema": ["type": "string", "enum": [.string(PlaygroundPage.contentSecurityPolicy)]]]),
        ("X-Content-Type-Options", ["required": true, "schema": ["type": "string", "enum": ["nosniff"]]]),
    ]

    /// `#/components/schemas/NAME`.
    static func ref(_ name: String) -> YAMLValue { ["$ref": .string("#/components/schemas/" + name)] }

    /// A GET route and its HEAD twin (the same answer without a body).
    static func get(
        _ id: String, _ summary: String, tag: String, kind: RouteKind = [], parameters: [YAMLValue] = [],
        ok: YAMLValue, overrides: [String: YAMLValue] = [:]
    ) -> YAMLValue {
        func operation(head: Bool) -> YAMLValue {
            .members([
                ("tags", [.string(tag)]),
                ("operationId", .string(head ? id + "Head" : id)),
                ("summary", .string(head ? "HEAD of " + summary : summary)),
                ("parameters", .list(parameters + [["$ref": "#/components/parameters/RequestId"]])),
                ("security", kind.contains(.protected) ? security : nil),
                ("responses", .mapping([("200", head ? withoutContent(ok) : ok)] + errorResponses(kind, overrides: overrides, head: head))),
            ])
        }
        return ["get": operation(head: false), "head": operation(head: true)]
    }

    /// Anonymous access, or the bearer token when lossd runs with one.
    static let security: YAMLValue = [[:], ["bearerAuth": []]]

    private static var batchOperation: YAMLValue {
        [
            "tags": ["losses"],
            "operationId": "computeBatch",
            "summary": "Compute several jobs; one bad job does not fail the others",
            "description": """
                Each element of `jobs` is a job as for `POST /v1/loss/{name}` plus `loss`, the loss name. A job that is \
                not valid (any JSON value, a number included) becomes `{"error": problem}` in its place, with pointers \
                under `/jobs/{index}`, and the others still run. The body must be JSON and the answer is JSON.
                """,
            "parameters": [["$ref": "#/components/parameters/RequestId"]],
            "requestBody": [
                "required": true,
                "content": ["application/json": ["schema": ref("BatchRequest")]],
            ],
            "security": security,
            "responses": .mapping(
                [("200", success("One entry per job, in order.", [("application/json", ref("BatchResponse"))]))]
                    + errorResponses(.protected)),
        ]
    }
}
