import LossKernels

/// `components` of openapi.yaml: the shared schemas (tensors, results, diagnostics, problems,
/// the catalogue, OIP documents), parameters, headers and responses.
extension OpenAPISpec {
    static var components: YAMLValue {
        [
            "securitySchemes": [
                "bearerAuth": [
                    "type": "http",
                    "scheme": "bearer",
                    "description": """
                        Optional: when lossd runs with a token (`--auth-token-file` / `LOSSD_AUTH_TOKEN_FILE`), every route \
                        except the health, readiness and metrics ones and the playground requires `Authorization: Bearer <token>`; \
                        otherwise no credentials are needed.
                        """,
                ],
            ],
            "parameters": [
                "ModelName": [
                    "in": "path",
                    "name": "name",
                    "required": true,
                    "description": "A loss name from GET /v1/losses (another name is a 404 UNKNOWN_LOSS).",
                    "schema": ["type": "string", "enum": .list(Loss.catalogue.map { .string($0.name.rawValue) })],
                ],
                "RequestId": [
                    "in": "header",
                    "name": "X-Request-Id",
                    "required": false,
                    "description": "Echoed in the answer when it is 1 to 200 visible ASCII characters; generated otherwise.",
                    "schema": ["type": "string"],
                ],
            ],
            "headers": sharedHeaders,
            "responses": .mapping(sharedResponses.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
            "schemas": .mapping(sharedSchemas + lossSchemas),
        ]
    }

    private static func object(_ required: [String], _ properties: [(String, YAMLValue)], closed: Bool = true) -> YAMLValue {
        .members([
            ("type", "object"),
            ("required", .list(required.map { .string($0) })),
            ("additionalProperties", closed ? false : nil),
            ("properties", .mapping(properties.map { ($0.0, $0.1) })),
        ])
    }

    private static func strings(_ values: [String]) -> YAMLValue { .list(values.map { .string($0) }) }

    private static var sharedSchemas: [(String, YAMLValue)] {
        [
            ("HealthStatus", object(["status"], [("status", ["type": "string", "enum": ["ok"]])])),
            ("ReadinessStatus", object(["status"], [("status", ["type": "string", "enum": ["ready", "draining"]])])),
            ("OIPLive", object(["live"], [("live", ["type": "boolean"])])),
            ("OIPReady", object(["ready"], [("ready", ["type": "boolean"])])),
            ("ServerMetadata", object(["name", "version", "extensions"], [
                ("name", ["type": "string", "enum": [.string(LossService.serverName)]]),
                ("version", ["type": "string"]),
                ("extensions", ["type": "array", "items": ["type": "string"]]),
            ])),
            ("OIPTensorMetadata", object(["name", "datatype", "shape"], [
                ("name", ["type": "string"]),
                ("datatype", ["type": "string", "enum": ["FP32", "INT64"]]),
                ("shape", ["type": "array", "items": ["type": "integer", "minimum": -1]]),
            ])),
            ("ModelMetadata", object(["name", "versions", "platform", "inputs", "outputs"], [
                ("name", ["type": "string"]),
                ("versions", ["type": "array", "items": ["type": "string"]]),
                ("platform", ["type": "string", "enum": ["lossd"]]),
                ("inputs", ["type": "array", "items": ref("OIPTensorMetadata")]),
                ("outputs", ["type": "array", "items": ref("OIPTensorMetadata")]),
            ])),
            ("ModelReady", object(["name", "ready"], [("name", ["type": "string"]), ("ready", ["type": "boolean"])])),
            ("DType", ["type": "string", "enum": strings(DType.allCases.map(\.rawValue))]),
            ("NonFinite", [
                "type": "string",
                "description": "A non-finite number spelled as a string.",
                "enum": strings(["nan", "inf", "-inf", "NaN", "Infinity", "-Infinity"]),
            ]),
            ("Scalar", ["description": "A number, or a non-finite number spelled as a string.",
                        "oneOf": [["type": "number"], ref("NonFinite")]]),
            ("NestedArray", [
                "description": "Nested arrays of numbers; the shape is inferred and must be rectangular (a ragged array is an INVALID_TENSOR).",
                "type": "array",
                "items": ["oneOf": [ref("Scalar"), ref("NestedArray")]],
            ]),
            ("Shape", [
                "description": .string(
                    "Sizes of the dimensions; the sizes other than 0 may multiply to at most \(WireTensor.maxElements) (INVALID_TENSOR beyond)."),
                "type": "array",
                "items": ["type": "integer", "minimum": 0, "maximum": .integer(Int64(WireTensor.maxElements))],
            ]),
            ("IndexArray", [
                "description": "Nested arrays of whole numbers, rectangular.",
                "type": "array",
                "items": ["oneOf": [["type": "integer"], ref("IndexArray")]],
            ]),
        ] + floatingTensorSchemas + [
            ("IndexTensor", [
                "description": "Whole numbers (class indices, lengths): a number, nested arrays, or shape + flat row-major data.",
                "oneOf": [["type": "integer"], ref("IndexArray"), shaped(["type": "integer"], dtypes: WireTensor.ElementType.allCases)],
            ]),
            ("IndexOrRealTensor", [
                "description": "Class indices (whole numbers, in a shape other than the input's), or class probabilities of the input's shape.",
                "anyOf": [ref("IndexTensor"), ref("RealTensor")],
            ]),
            ("ResultTensor", [
                "description": "A number or non-finite string (shape []), nested arrays, or shape + data, in the form the tensor was sent.",
                "oneOf": [ref("Scalar"), ref("NestedArray"), object(["shape", "data"], [
                    ("shape", ["type": "array", "items": ["type": "integer", "minimum": 0]]),
                    ("data", ["type": "array", "items": ref("Scalar")]),
                    ("dtype", ref("DType")),
                ])],
            ]),
            ("Warning", object(["code", "message", "count", "examples"], [
                ("code", ["type": "string", "enum": strings(WarningCode.all.map(\.code))]),
                ("message", ["type": "string"]),
                ("count", ["type": "integer", "minimum": 1]),
                ("examples", ["type": "array", "items": ["type": "integer", "minimum": 0]]),
            ])),
            ("Diagnostics", object(["counts", "stats", "warnings", "pytorch"], [
                ("counts", ["type": "object"]),
                ("stats", ["type": "object"]),
                ("warnings", ["type": "array", "items": ref("Warning")]),
                ("pytorch", ["type": "object", "description": "What PyTorch would have returned where it differs."]),
            ])),
            ("Problem", object(["type", "title", "status", "detail", "code", "errors", "error"], [
                ("type", ["type": "string"]),
                ("title", ["type": "string"]),
                ("status", ["type": "integer"]),
                ("detail", ["type": "string"]),
                ("instance", ["type": "string"]),
                ("code", ["type": "string", "enum": strings(ProblemCode.all.map(\.rawValue))]),
                ("errors", ["type": "array", "items": object(["pointer", "detail"], [
                    ("pointer", ["type": "string"]), ("detail", ["type": "string"]),
                ])]),
                ("error", ["type": "string", "description": "`detail` again, for Open Inference Protocol clients."]),
            ], closed: false)),
            ("BatchRequest", object(["jobs"], [
                ("jobs", [
                    "type": "array",
                    "maxItems": .integer(Int64(LossService.Configuration().maxBatchJobs)),
                    "description": "Jobs as for POST /v1/loss/{name} plus `loss`, the loss name (at most `--max-batch-jobs`).",
                    "items": ["description": "A job with a `loss` member; anything else is answered with an error in its place."],
                ]),
            ])),
            ("BatchError", object(["error"], [("error", ref("Problem"))])),
            ("BatchResponse", object(["results"], [
                ("results", [
                    "type": "array",
                    "items": ["anyOf": .list([ref("BatchError")] + Loss.catalogue.map { ref("Result_" + $0.name.rawValue) })],
                ]),
            ])),
            ("Catalogue", catalogueSchema),
        ]
    }

    /// The element schema of a domain, and its description.
    private static func element(_ values: TensorSpec.Values) -> (schema: YAMLValue, words: String) {
        switch values {
        case .any: (ref("Scalar"), "")
        case .signs: (["type": "number", "enum": [1, -1]], " Every element is 1 or -1.")
        case .unitInterval: (["type": "number", "minimum": 0, "maximum": 1], " Every element is in [0, 1].")
        case .nonNegative:
            (["oneOf": [["type": "number", "minimum": 0], ["type": "string", "enum": ["inf", "Infinity", "nan", "NaN"]]]],
             " Every element is >= 0 (or +inf, NaN).")
        }
    }

    /// `FloatTensor`, `RealTensor` and their variants for the element domains the catalogue's
    /// floating tensors declare: a number, nested arrays, or shape + flat row-major data.
    private static var floatingTensorSchemas: [(String, YAMLValue)] {
        var kinds: [(differentiable: Bool, values: TensorSpec.Values)] = [(true, .any), (false, .any)]
        for spec in Loss.catalogue.flatMap(\.tensors) where spec.role == .floating {
            if !kinds.contains(where: { $0 == (spec.differentiable, spec.values) }) { kinds.append((spec.differentiable, spec.values)) }
        }
        var schemas: [(String, YAMLValue)] = []
        for (differentiable, values) in kinds {
            let name = floatingTensorName(differentiable: differentiable, values: values)
            let (element, words) = element(values)
            let nested = values == .any ? "NestedArray" : "NestedArray_" + values.rawValue
            if values != .any {
                schemas.append((nested, ["type": "array", "items": ["oneOf": [element, ref(nested)]]]))
            }
            let dtypes = WireTensor.ElementType.allCases.filter { !differentiable || $0.isFloatingPoint }
            schemas.append((name, [
                "description": .string(
                    (differentiable ? "Floating-point values" : "Values converted to the job's dtype")
                        + ": a number (shape []), nested arrays, or shape + flat row-major data of "
                        + (differentiable ? "a floating dtype." : "any dtype.") + words),
                "oneOf": [element, ref(nested), shaped(element, dtypes: dtypes)],
            ]))
        }
        return schemas
    }

    /// `{"shape", "data", "dtype"}` with `element` data and one of `dtypes`.
    private static func shaped(_ element: YAMLValue, dtypes: [WireTensor.ElementType]) -> YAMLValue {
        object(["shape", "data"], [
            ("shape", ref("Shape")),
            ("data", ["type": "array", "items": element]),
            ("dtype", ["type": "string", "enum": strings(dtypes.map(\.rawValue))]),
        ])
    }

    private static var catalogueSchema: YAMLValue {
        let option = object(["name", "type", "default", "description"], [
            ("name", ["type": "string"]),
            ("type", ["type": "string", "enum": ["string", "boolean", "integer", "number"]]),
            ("default", ["description": "A value of the option's type."]),
            ("description", ["type": "string"]),
            ("enum", ["type": "array", "items": ["type": "string"]]),
            ("minimum", ["type": "number"]),
            ("maximum", ["type": "number"]),
            ("exclusiveMinimum", ["type": "number"]),
            ("exclusiveMaximum", ["type": "number"]),
        ])
        let tensor = object(["name", "role", "required", "differentiable", "description"], [
            ("name", ["type": "string"]),
            ("role", ["type": "string", "enum": strings(TensorSpec.Role.allCases.map(\.rawValue))]),
            ("required", ["type": "boolean"]),
            ("differentiable", ["type": "boolean"]),
            ("description", ["type": "string"]),
        ])
        let loss = object(["name", "description", "tensors", "gradients", "targets", "reductions", "weight", "pos_weight", "options"], [
            ("name", ["type": "string", "enum": .list(Loss.catalogue.map { .string($0.name.rawValue) })]),
            ("description", ["type": "string"]),
            ("tensors", ["type": "array", "description": "The tensors a job carries besides grad_output, in wire order.", "items": tensor]),
            ("gradients", ["type": "array", "description": "Result members of the gradients (grad, then grad_NAME).", "items": ["type": "string"]]),
            ("targets", ["type": "array", "items": ["type": "string", "enum": ["class_indices", "class_probabilities", "values"]]]),
            ("reductions", ["type": "array", "items": ["type": "string", "enum": strings(Reduction.allCases.map(\.rawValue))]]),
            ("weight", ["type": "boolean"]),
            ("pos_weight", ["type": "boolean"]),
            ("options", ["type": "array", "items": option]),
        ])
        return object(["losses", "warnings"], [
            ("losses", ["type": "array", "items": loss]),
            ("warnings", [
                "type": "array",
                "description": "Every warning code lossd can raise, with its message.",
                "items": object(["code", "message"], [
                    ("code", ["type": "string", "enum": strings(WarningCode.all.map(\.code))]),
                    ("message", ["type": "string"]),
                ]),
            ]),
        ])
    }
}
