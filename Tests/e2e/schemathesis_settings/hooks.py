"""schemathesis hooks for Tests/e2e/test_openapi.py (loaded through SCHEMATHESIS_HOOKS).

`refusal_is_a_relation_json_schema_cannot_state`: schemathesis.toml lets a compute operation
refuse a positive (schema-valid) case with 400 or 422, because some rules relate several members
of a request and JSON Schema cannot state them. This check fails every such refusal that is not
one of those rules, so the spec stays exactly as strict as the server everywhere else."""
import json

import schemathesis

# 422 codes that only ever describe relations between members: shapes that must fit together,
# class indices against the class count.
RELATIONAL_CODES = {"SHAPE_MISMATCH", "TARGET_OUT_OF_RANGE"}

# Details of INVALID_TENSOR / INVALID_OPTION problems that state a relation.
RELATIONAL_DETAILS = (
    "ragged array",                      # nested arrays must be rectangular
    "elements but shape",                # data length vs shape
    "is too large: its sizes other than 0 multiply",  # product of the sizes
    "binary_data_size is",               # OIP binary_data_size vs shape and datatype
    "The body ends before",              # OIP binary data vs binary_data_size
    "of binary data follow",
    "must be floating point",            # OIP: the datatype of a differentiable input's name
    "class indices must be whole numbers",  # OIP: the datatype/data of an index input's name
    "is given twice",                    # an option in the query string and the body, an OIP input twice
    "must be in [0,",                    # ctc blank < C
    "class_dim is 1",                    # class_dim 0 on a multi-dimensional input
    "not supported for floating point",  # ignore_index with probability targets
    "shift needs class-index targets",
    "whose reciprocal is finite",        # temperature against the job's dtype
)

# Element domains (TensorSpec.values) of an OIP input: the inputs are one array whose items
# carry their name, so the schema of `data` cannot depend on it (it can in a JSON job, and does).
OIP_VALUE_DOMAINS = (
    "must be 1 or -1",
    "should be between 0 and 1",
    "must be >= 0",
    "has negative entry",
    "must hold integers",                # a length input sent with a floating datatype
)


def _problem(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return {}


@schemathesis.check
def refusal_is_a_relation_json_schema_cannot_state(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 422):
        return None
    if not (case.path.startswith("/v1/loss/") or case.path.endswith("/infer")):
        return None
    if case.media_type == "application/octet-stream":
        return None  # safetensors / OIP binary bytes: a format JSON Schema does not describe
    problem = _problem(response)
    code, detail = problem.get("code", ""), problem.get("detail", "")
    headers = {k.lower() for k in (case.headers or {})}
    if response.status_code == 400 and "inference-header-content-length" in headers:
        return None  # the field must equal the JSON header's byte length
    if code in RELATIONAL_CODES:
        return None
    if code in ("INVALID_TENSOR", "INVALID_OPTION", "MALFORMED_REQUEST") and any(d in detail for d in RELATIONAL_DETAILS):
        return None
    if case.path.endswith("/infer") and code == "INVALID_TENSOR" and any(d in detail for d in OIP_VALUE_DOMAINS):
        return None
    if case.path.endswith("/infer") and detail.startswith("The job needs the tensor"):
        return None  # OIP inputs are an array: which names it must hold is not a schema of its items
    raise AssertionError(f"a schema-valid request was refused with {response.status_code} {code}: {detail}")
