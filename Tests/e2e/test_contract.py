"""openapi.yaml against the loss descriptors, as the server lists them in GET /v1/losses: the
loss names, tensors, options (with their types and bounds), gradients and warning codes of the
spec are exactly the catalogue's, so a loss cannot be missing from the contract."""
import yaml

from conftest import REPO

SPEC = yaml.safe_load((REPO / "openapi.yaml").read_text())
SCHEMAS = SPEC["components"]["schemas"]
JSON_TYPES = {"string": "string", "boolean": "boolean", "integer": "integer", "number": "number"}


def catalogue(http, url):
    r = http.get(url + "/v1/losses")
    assert r.status_code == 200
    return r.json()


def test_loss_names_are_the_catalogue(http, url):
    names = [loss["name"] for loss in catalogue(http, url)["losses"]]
    assert SPEC["components"]["parameters"]["LossName"]["schema"]["enum"] == names


def test_job_members_are_every_tensor_and_option(http, url):
    losses = catalogue(http, url)["losses"]
    tensors = {t["name"] for loss in losses for t in loss["tensors"]} | {"grad_output"}
    assert set(SCHEMAS["Job"]["properties"]) == tensors | {"options", "outputs"}


def test_options_are_every_option_with_its_type(http, url):
    losses = catalogue(http, url)["losses"]
    options = {}
    for loss in losses:
        for option in loss["options"]:
            options.setdefault(option["name"], set()).add(option["type"])
    spec = SCHEMAS["Options"]["properties"]
    assert set(spec) == set(options)
    for name, types in options.items():
        schema = spec[name]
        if "$ref" in schema:
            schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
        # An option that is an integer in one loss and a real in another (p) is a number.
        assert len(types) == 1 or types == {"integer", "number"}, f"{name}: {types}"
        assert schema["type"] == ("number" if len(types) > 1 else JSON_TYPES[types.pop()]), name


def test_query_parameters_are_every_option(http, url):
    losses = catalogue(http, url)["losses"]
    options = {o["name"] for loss in losses for o in loss["options"]}
    parameters = SPEC["paths"]["/v1/loss/{name}"]["post"]["parameters"]
    query = {p["name"] for p in parameters if p.get("in") == "query"}
    assert query == options | {"outputs"}


def test_result_lists_every_gradient(http, url):
    losses = catalogue(http, url)["losses"]
    gradients = {g for loss in losses for g in loss["gradients"]}
    assert gradients <= set(SCHEMAS["Result"]["properties"])


def test_warning_codes_are_the_table(http, url):
    codes = [w["code"] for w in catalogue(http, url)["warnings"]]
    assert SCHEMAS["Warning"]["properties"]["code"]["enum"] == codes


def test_reductions_are_every_loss_reduction(http, url):
    reductions = {r for loss in catalogue(http, url)["losses"] for r in loss["reductions"]}
    assert set(SCHEMAS["Reduction"]["enum"]) == reductions
