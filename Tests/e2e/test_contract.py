"""openapi.yaml against the running server (test_health checks that it serves the file): it
has one compute and one OIP infer operation per loss of GET /v1/losses with exactly that loss's
tensors, options (types, defaults, bounds, choices), reductions and gradients, and every example
it shows is accepted."""
import pytest
import requests
import yaml

from conftest import REPO

SPEC = yaml.safe_load((REPO / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]
JSON_TYPES = {"string": "string", "boolean": "boolean", "integer": "integer", "number": "number"}


@pytest.fixture(scope="module")
def losses(url):
    r = requests.get(url + "/v1/losses", timeout=10)
    assert r.status_code == 200
    return r.json()


def test_one_compute_and_one_infer_operation_per_loss(losses):
    names = [loss["name"] for loss in losses["losses"]]
    compute = [p.removeprefix("/v1/loss/") for p in SPEC["paths"] if p.startswith("/v1/loss/")]
    infer = [p.split("/")[3] for p in SPEC["paths"] if p.startswith("/v2/models/") and p.endswith("/infer")]
    assert compute == names and infer == names
    assert SPEC["components"]["parameters"]["ModelName"]["schema"]["enum"] == names


def option_schema_matches(schema, option):
    assert schema["type"] == JSON_TYPES[option["type"]], option["name"]
    assert schema["default"] == option["default"], option["name"]
    assert schema.get("enum") == option.get("enum"), option["name"]
    for bound in ("minimum", "maximum"):
        exclusive = "exclusive" + bound.capitalize()
        if exclusive in option:  # OpenAPI 3.0: the bound, and a flag saying it is exclusive
            assert schema[bound] == option[exclusive] and schema[exclusive] is True, option["name"]
        elif bound in option and abs(option[bound]) < 2**63 - 1:
            assert schema[bound] == option[bound], option["name"]


def test_each_job_schema_lists_exactly_the_losss_tensors_and_options(losses):
    for loss in losses["losses"]:
        name = loss["name"]
        job = SCHEMAS[f"Job_{name}"]
        tensors = [t["name"] for t in loss["tensors"]]
        assert list(job["properties"]) == tensors + ["grad_output", "options", "outputs"], name
        assert job["required"] == [t["name"] for t in loss["tensors"] if t["required"]], name
        assert job["additionalProperties"] is False
        options = SCHEMAS[f"Options_{name}"]
        assert options["additionalProperties"] is False
        assert list(options["properties"]) == [o["name"] for o in loss["options"]], name
        for option in loss["options"]:
            option_schema_matches(options["properties"][option["name"]], option)
        assert options["properties"]["reduction"]["enum"] == loss["reductions"], name


def test_each_compute_operation_takes_the_losss_options_in_the_query(losses):
    for loss in losses["losses"]:
        parameters = SPEC["paths"]["/v1/loss/" + loss["name"]]["post"]["parameters"]
        query = {p["name"]: p["schema"] for p in parameters if p.get("in") == "query"}
        assert list(query) == [o["name"] for o in loss["options"]] + ["outputs"]
        for option in loss["options"]:
            option_schema_matches(query[option["name"]], option)


def test_results_and_infer_answers_name_exactly_the_gradients(losses):
    for loss in losses["losses"]:
        result = SCHEMAS["Result_" + loss["name"]]
        assert list(result["properties"]) == ["loss", "dtype", "value", *loss["gradients"], "diagnostics"]
        outputs = SCHEMAS["InferResponse_" + loss["name"]]["properties"]["outputs"]["items"]["properties"]["name"]
        assert outputs["enum"] == ["value", *loss["gradients"]]
        inputs = SCHEMAS["InferRequest_" + loss["name"]]["properties"]["inputs"]
        assert inputs["items"]["properties"]["name"]["enum"] == [t["name"] for t in loss["tensors"]] + ["grad_output"]
        assert inputs["minItems"] == sum(t["required"] for t in loss["tensors"])


def test_warning_and_problem_codes_are_the_servers(losses):
    assert SCHEMAS["Warning"]["properties"]["code"]["enum"] == [w["code"] for w in losses["warnings"]]


def examples():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in content:
                yield pytest.param(path, content["example"], id=path)


@pytest.mark.parametrize("path, example", list(examples()))
def test_every_example_is_accepted(url, path, example):
    r = requests.post(url + path, json=example, timeout=10)
    assert r.status_code == 200, r.text
    assert not r.json().get("diagnostics", {}).get("warnings"), "an example should not need a warning"
