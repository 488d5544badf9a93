import LossKernels

/// The per-loss parts of openapi.yaml, read from each `LossDescriptor`: the compute and infer
/// operations, and the job, options, result and inference schemas that list exactly the loss's
/// tensors, options (type, default, bounds, choices) and gradients.
extension OpenAPISpec {
    static func computeOperation(_ loss: LossDescriptor) -> YAMLValue {
        let name = loss.name.rawValue
        let tensorNames = (loss.tensors.map(\.name) + [JobAssembler.gradOutput]).joined(separator: ", ")
        var json: [(String, YAMLValue)] = [("schema", ref("Job_" + name))]
        if let example = examples[name] { json.append(("example", example)) }
        let description = """
            \(loss.summary). The body is a JSON job, or a safetensors file (`Content-Type: application/octet-stream`) \
            holding the tensors \(tensorNames) by name, options then coming from the query string. An option may be \
            given in the query string or in the body's `options`, not both (INVALID_OPTION). The answer is JSON, or \
            safetensors (`value`, the gradients, and the diagnostics as JSON in `__metadata__["diagnostics"]`) when \
            `Accept` prefers `application/octet-stream` or, without `Accept`, when the request was safetensors.
            """
        return [
            "post": [
                "tags": ["losses"],
                "operationId": .string("compute_" + name),
                "summary": .string(loss.summary),
                "description": .string(description),
                "parameters": .list(
                    [["$ref": "#/components/parameters/RequestId"]]
                        + loss.options.map { option in
                            ["in": "query", "name": .string(option.name), "description": .string(option.description),
                             "schema": optionSchema(option)]
                        }
                        + [outputsParameter]),
                "requestBody": [
                    "required": true,
                    "content": [
                        "application/json": .mapping(json.map { ($0.0, $0.1) }),
                        "application/octet-stream": ["schema": ["type": "string", "format": "binary"]],
                    ],
                ],
                "security": security,
                "responses": .mapping(
                    [("200", success("The result.", [
                        ("application/json", ref("Result_" + name)),
                        ("application/octet-stream", ["type": "string", "format": "binary"]),
                    ]))] + errorResponses([.protected, .computes])),
            ],
        ]
    }

    private static let outputsParameter: YAMLValue = [
        "in": "query",
        "name": "outputs",
        "description": "Comma-separated subset of value, grad (every gradient) and diagnostics; default all three.",
        "schema": ["type": "string", "pattern": "^((value|grad|diagnostics)(,(value|grad|diagnostics))*)?$"],
    ]

    static func inferOperation(_ loss: LossDescriptor) -> YAMLValue {
        let name = loss.name.rawValue
        var json: [(String, YAMLValue)] = [("schema", ref("InferRequest_" + name))]
        if let example = inferExamples[name] { json.append(("example", example)) }
        let description = """
            Inference = one \(name) job. Inputs are named \((loss.tensors.map(\.name) + [JobAssembler.gradOutput]).joined(separator: ", ")); \
            options are request `parameters`; outputs are \(outputNames(loss).joined(separator: ", ")) (default all), with the \
            diagnostics as a JSON string in the response's `parameters.diagnostics`. With the binary tensor data \
            extension the body is the JSON header followed by the raw little-endian tensors: each such input gives \
            `parameters.binary_data_size` instead of `data`, and `Inference-Header-Content-Length` is the JSON \
            header's length in bytes (at most the body's; without it the whole body is the JSON header). Outputs are \
            binary when the request asks for it (`parameters.binary_data_output`, or per output \
            `parameters.binary_data`); the answer is then `application/octet-stream` with the same header field.
            """
        return [
            "post": [
                "tags": ["oip"],
                "operationId": .string("infer_" + name),
                "summary": .string("OIP v2 inference: " + loss.summary),
                "description": .string(description),
                "parameters": [
                    ["$ref": "#/components/parameters/RequestId"],
                    [
                        "in": "header",
                        "name": "Inference-Header-Content-Length",
                        "description": "Length in bytes of the JSON header when binary tensor data follows it (at most the body's length).",
                        "schema": ["type": "integer", "minimum": 0],
                    ],
                ],
                "requestBody": [
                    "required": true,
                    "content": [
                        "application/json": .mapping(json.map { ($0.0, $0.1) }),
                        "application/octet-stream": ["schema": ["type": "string", "format": "binary"]],
                    ],
                ],
                "security": security,
                "responses": .mapping(
                    [("200", success(
                        "The outputs. With binary outputs the body is the JSON header followed by the raw tensors.",
                        [("application/json", ref("InferResponse_" + name)),
                         ("application/octet-stream", ["type": "string", "format": "binary"])],
                        extraHeaders: [("Inference-Header-Content-Length", [
                            "description": "Present when binary tensor data follows the JSON header.",
                            "schema": ["type": "integer", "minimum": 0],
                        ])]))]
                        + errorResponses([.protected, .computes])),
            ],
        ]
    }

    /// `value`, then the gradients' wire names.
    static func outputNames(_ loss: LossDescriptor) -> [String] {
        ["value"] + loss.differentiable.map { loss.gradientName(of: $0.name) }
    }

    /// The schemas of every loss, by name.
    static var lossSchemas: [(String, YAMLValue)] {
        Loss.catalogue.flatMap { loss -> [(String, YAMLValue)] in
            let name = loss.name.rawValue
            return [
                ("Job_" + name, jobSchema(loss)),
                ("Options_" + name, optionsSchema(loss)),
                ("Result_" + name, resultSchema(loss)),
                ("InferRequest_" + name, inferRequestSchema(loss)),
                ("InferResponse_" + name, inferResponseSchema(loss)),
            ]
        }
    }

    /// The tensor schema of `spec`'s role: floats for differentiable tensors, any numbers for
    /// the other floating ones, whole numbers for indices and lengths. (A `$ref` takes no
    /// siblings in OpenAPI 3.0: the tensors' descriptions are in the job's description.)
    static func tensorSchema(_ spec: TensorSpec) -> YAMLValue {
        switch spec.role {
        case .floating: ref(floatingTensorName(differentiable: spec.differentiable, values: spec.values))
        case .classIndices, .lengths: ref("IndexTensor")
        case .classIndicesOrProbabilities: ref("IndexOrRealTensor")
        }
    }

    /// `FloatTensor` (differentiable: floating dtypes only) or `RealTensor` (any dtype), with
    /// `_signs`, `_unit_interval`, ... when the elements have a domain of their own.
    static func floatingTensorName(differentiable: Bool, values: TensorSpec.Values) -> String {
        (differentiable ? "FloatTensor" : "RealTensor") + (values == .any ? "" : "_" + values.rawValue)
    }

    static func jobSchema(_ loss: LossDescriptor) -> YAMLValue {
        var properties: [(String, YAMLValue)] = loss.tensors.map { ($0.name, tensorSchema($0)) }
        properties.append((JobAssembler.gradOutput, ref("FloatTensor")))
        properties.append(("options", ref("Options_" + loss.name.rawValue)))
        properties.append(("outputs", [
            "type": "array",
            "description": "The parts of the result to compute and send (default all three; grad means every gradient).",
            "items": ["type": "string", "enum": ["value", "grad", "diagnostics"]],
        ]))
        return [
            "type": "object",
            "description": .string(
                "A \(loss.name.rawValue) job: \(loss.summary). "
                    + loss.tensors.map { "`\($0.name)`\($0.required ? "" : " (optional)"): \($0.description)" }.joined(separator: "; ")
                    + "; `grad_output` (optional): the upstream gradient, a number or a tensor of the value's shape (default 1)."),
            "additionalProperties": false,
            "required": .list(loss.tensors.filter(\.required).map { .string($0.name) }),
            "properties": .mapping(properties.map { ($0.0, $0.1) }),
        ]
    }

    static func optionsSchema(_ loss: LossDescriptor) -> YAMLValue {
        [
            "type": "object",
            "description": .string("The options of \(loss.name.rawValue); any other member is an INVALID_OPTION."),
            "additionalProperties": false,
            "properties": .mapping(loss.options.map { ($0.name, optionSchema($0)) }),
        ]
    }

    /// An option's type, bounds or choices, default and description.
    static func optionSchema(_ option: LossOption) -> YAMLValue {
        var schema: [(String, YAMLValue)]
        switch option.domain {
        case .choice(let words):
            schema = [("type", "string"), ("enum", .list(words.map { .string($0) }))]
        case .boolean:
            schema = [("type", "boolean")]
        case .integer(let range):
            schema = [("type", "integer"), ("format", "int64")]
            if range.lowerBound != Int64.min { schema.append(("minimum", .integer(range.lowerBound))) }
            if range.upperBound != Int64.max { schema.append(("maximum", .integer(range.upperBound))) }
        case .real(let interval):
            schema = [("type", "number")]
            if let lower = interval.lower {
                schema.append(("minimum", .real(lower)))
                if !interval.lowerClosed { schema.append(("exclusiveMinimum", true)) }
            }
            if let upper = interval.upper {
                schema.append(("maximum", .real(upper)))
                if !interval.upperClosed { schema.append(("exclusiveMaximum", true)) }
            }
        }
        schema.append(("default", optionValue(option.defaultValue)))
        schema.append(("description", .string(option.description)))
        return .mapping(schema.map { ($0.0, $0.1) })
    }

    static func optionValue(_ value: OptionValue) -> YAMLValue {
        switch value {
        case .string(let s): .string(s)
        case .int(let i): .integer(i)
        case .double(let d): .real(d)
        case .bool(let b): .boolean(b)
        }
    }

    static func resultSchema(_ loss: LossDescriptor) -> YAMLValue {
        var properties: [(String, YAMLValue)] = [
            ("loss", ["type": "string", "enum": [.string(loss.name.rawValue)]]),
            ("dtype", ref("DType")),
            ("value", ref("ResultTensor")),
        ]
        for gradient in outputNames(loss).dropFirst() { properties.append((gradient, ref("ResultTensor"))) }
        properties.append(("diagnostics", ref("Diagnostics")))
        return [
            "type": "object",
            "description": "`value` and the gradients in the form their tensors were sent; the members asked for in `outputs`.",
            "required": ["loss", "dtype"],
            "additionalProperties": false,
            "properties": .mapping(properties.map { ($0.0, $0.1) }),
        ]
    }

    static func inferRequestSchema(_ loss: LossDescriptor) -> YAMLValue {
        let any: YAMLValue = ["FP16", "BF16", "FP32", "FP64", "INT64", "INT32", "UINT8"]
        let inputs = loss.tensors.map { ($0.name, $0.differentiable) } + [(JobAssembler.gradOutput, true)]
        let binarySize: YAMLValue = ["required": ["binary_data_size"]]
        let input: YAMLValue = [
            "type": "object",
            "required": ["name", "shape", "datatype"],
            "description": "An input carries `data`, or `parameters.binary_data_size` when its bytes follow the JSON header.",
            "oneOf": [
                ["required": ["data"], "properties": ["parameters": ["not": binarySize]]],
                ["required": ["parameters"], "properties": ["parameters": binarySize], "not": ["required": ["data"]]],
            ],
            "properties": [
                "name": ["type": "string", "enum": .list(inputs.map { .string($0.0) })],
                "shape": ref("Shape"),
                "datatype": ["type": "string", "enum": any, "description": .string("FP16, BF16, FP32 or FP64 for " + inputs.filter(\.1).map(\.0).joined(separator: ", "))],
                "parameters": [
                    "type": "object",
                    "properties": ["binary_data_size": ["type": "integer", "format": "int64", "minimum": 0, "maximum": .integer(Int64.max)]],
                ],
                "data": ["oneOf": [ref("Scalar"), ref("NestedArray")]],
            ],
        ]
        var parameters: [(String, YAMLValue)] = loss.options.map { ($0.name, optionSchema($0)) }
        parameters.append(("binary_data_output", ["type": "boolean", "default": false]))
        for ignored in OIPInferRequest.ignoredParameters.sorted() {
            parameters.append((ignored, ["description": "Sent by Triton clients; ignored.", "oneOf": [
                ["type": "string"], ["type": "number"], ["type": "boolean"],
            ]]))
        }
        return [
            "type": "object",
            "required": ["inputs"],
            "additionalProperties": false,
            "properties": [
                "id": ["type": "string"],
                "parameters": [
                    "type": "object",
                    "description": "The loss's options, plus binary_data_output; any other member is an INVALID_OPTION.",
                    "additionalProperties": false,
                    "properties": .mapping(parameters.map { ($0.0, $0.1) }),
                ],
                "inputs": [
                    "type": "array",
                    "minItems": .integer(Int64(loss.tensors.filter(\.required).count)),
                    "description": .string("Each of \(inputs.map(\.0).joined(separator: ", ")) at most once; "
                        + loss.tensors.filter(\.required).map(\.name).joined(separator: ", ") + " required."),
                    "items": input,
                ],
                "outputs": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["name"],
                        "properties": [
                            "name": ["type": "string", "enum": .list(outputNames(loss).map { .string($0) })],
                            "parameters": ["type": "object", "properties": ["binary_data": ["type": "boolean"]]],
                        ],
                    ],
                ],
            ],
        ]
    }

    static func inferResponseSchema(_ loss: LossDescriptor) -> YAMLValue {
        [
            "type": "object",
            "required": ["model_name", "outputs"],
            "properties": [
                "model_name": ["type": "string", "enum": [.string(loss.name.rawValue)]],
                "model_version": ["type": "string"],
                "id": ["type": "string"],
                "parameters": [
                    "type": "object",
                    "properties": ["diagnostics": ["type": "string", "description": "The diagnostics object as JSON text."]],
                ],
                "outputs": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["name", "shape", "datatype"],
                        "properties": [
                            "name": ["type": "string", "enum": .list(outputNames(loss).map { .string($0) })],
                            "shape": ["type": "array", "items": ["type": "integer", "minimum": 0]],
                            "datatype": ["type": "string", "enum": ["FP32", "FP64"]],
                            "parameters": ["type": "object"],
                            "data": ["type": "array", "items": ref("Scalar")],
                        ],
                    ],
                ],
            ],
        ]
    }
}
