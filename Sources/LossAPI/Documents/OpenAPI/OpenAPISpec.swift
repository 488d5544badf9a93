import LossKernels

/// openapi.yaml, generated from what the server itself reads: the loss descriptors
/// (`Loss.catalogue`: one operation per loss with exactly its tensors, options, bounds and
/// reductions), `WarningCode.all`, `ProblemCode.all` and the route table's statuses. `GET
/// /openapi.yaml` serves `yaml`; `lossd openapi` prints it, and the repository's openapi.yaml is
/// that output checked in (a test fails when the two differ; `scripts/generate-contract.sh`
/// rewrites it).
public enum OpenAPISpec {
    /// The document text.
    public static let yaml: String = document.rendered

    static var document: YAMLValue {
        [
            "openapi": "3.0.3",
            "info": [
                "title": "lossd",
                "version": .string(LossService.version),
                "description": .string(description),
                "license": ["name": "Apache-2.0"],
            ],
            "servers": [["url": "http://127.0.0.1:8080"]],
            "tags": [
                ["name": "health"], ["name": "losses"],
                ["name": "oip", "description": "Open Inference Protocol v2 (KServe / Triton), with the binary tensor data extension."],
                ["name": "playground", "description": "The browser playground: a page, its style sheet, scripts and icon."],
            ],
            "paths": paths,
            "components": components,
        ]
    }

    private static let description = """
        lossd computes machine-learning losses over HTTP: PyTorch's values and gradients, plus
        diagnostics that name the numerical traps of an input. This document is generated from
        the loss descriptors (`lossd openapi`); docs/API.md explains it.

        Every answer carries `X-Request-Id` (echoed from the request when it is 1 to 200 visible
        ASCII characters, else generated) and `Server-Timing: parse;dur=…, compute;dur=…,
        encode;dur=…` (milliseconds). Every error is an RFC 9457 problem
        (`application/problem+json`) with a stable `code`, and JSON pointers to the offending
        elements in `errors`. Responses at or above the compression threshold are compressed
        when `Accept-Encoding` allows gzip or deflate; request bodies may be sent with
        `Content-Encoding: gzip` or `deflate`.

        Answers the HTTP layer writes itself can come on any route: 400 (malformed framing, a
        header that must appear once given twice), 406 (`Accept-Encoding` admits no coding), 408
        (head or body too slow), 413 (body over the limit), 414 (request line over the limit),
        415 (`Content-Encoding` not gzip or deflate), 417 (`Expect` other than 100-continue),
        431 (header section over the limit), 503 OVERLOADED with `Retry-After` (too many
        requests in flight, or the connection table full) and 505 (HTTP version other than 1.0
        and 1.1). A method a path does not serve is a 405 whose `Allow` lists those it does;
        HEAD is served wherever GET is. A loss or model name that is not in the catalogue is a
        404 UNKNOWN_LOSS, a path that is no route a 404 NOT_FOUND.

        """
}
