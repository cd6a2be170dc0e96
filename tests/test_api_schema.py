"""The published OpenAPI schema, fuzzed with schemathesis: every operation, generated
inputs (valid and invalid), an admin API key so nothing stops at authentication.

No input may cause a 500, and each answer must match what the schema promises: a
documented status code, the documented content type and the documented body (error
answers included, see apps/common/schema.py).

Not checked: that every schema-violating input is refused (`negative_data_rejection`).
DRF is deliberately lenient in places (a number where a string is expected becomes the
string, an empty query filter is ignored), and refusing those would break clients for
no gain.

One test per resource (workflows, segments, ...; large ones in parts) rather than one for
the whole API, so pytest-xdist spreads them over the cores.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create
from apps.config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation (plus schemathesis' boundary-value cases): keeps the whole API
# within about two minutes on two cores.
EXAMPLES = 15
PATHS_PER_TEST = 4


@dataclass
class AdminKey:
    """The key every fuzzed request carries. Fuzzing DELETE /api-keys/{id} and
    POST /api-keys/{id}/revoke may hit this very key (small ids come up often), so it is
    re-minted whenever that happened instead of excluding those operations."""

    key: ApiKey
    raw: str

    def headers(self) -> dict[str, str]:
        self.key.refresh_from_db(fields=["revoked_at"])
        if self.key.revoked_at is not None:
            self.key, self.raw = api_key_create(name="schemathesis", scopes=["admin"])
        return {"Authorization": f"Bearer {self.raw}"}


@pytest.fixture
def admin_key(transactional_db) -> Iterator[AdminKey]:
    """Real commits (not a rolled-back test transaction): deferred constraints are checked
    inside the request, on_commit hand-offs run, and the WSGI handler may close the
    connection after each request as it does in production."""
    key, raw = api_key_create(name="schemathesis", scopes=["admin"])
    yield AdminKey(key, raw)


def resource(path: str) -> str:
    """/api/v1/workflows/{id}/ -> workflows; the Segment-style /v1/track -> tracking."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"] and len(parts) > 2:
        return parts[2]
    return "tracking" if parts[0] == "v1" else parts[0]


def fuzz_test(name: str, paths: list[str]) -> Callable:
    operations = schema.include(path_regex="^(" + "|".join(map(re.escape, paths)) + ")$")

    @operations.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    def test(case, admin_key: AdminKey) -> None:
        case.call_and_validate(headers=admin_key.headers(), checks=CHECKS)

    test.__name__ = f"test_{name}_api_never_fails_and_keeps_its_schema"
    return test


def path_groups(paths: list[str], size: int = PATHS_PER_TEST) -> dict[str, list[str]]:
    """Paths by resource, large resources cut into parts of `size` paths: workflows alone
    has twenty-odd operations, and one test for all of them would keep one core busy
    while the other idles."""
    by_resource: dict[str, list[str]] = {}
    for path in sorted(paths):
        by_resource.setdefault(resource(path).replace("-", "_"), []).append(path)
    groups = {}
    for name, members in by_resource.items():
        parts = [members[i:i + size] for i in range(0, len(members), size)]
        for number, part in enumerate(parts, start=1):
            groups[name if len(parts) == 1 else f"{name}_{number}"] = part
    return groups


GROUPS = path_groups(list(schema.raw_schema["paths"]))
for _name, _paths in GROUPS.items():
    _test = fuzz_test(_name, _paths)
    globals()[_test.__name__] = _test


def test_every_path_is_fuzzed():
    """Guards the generated tests above: a path added to the API is fuzzed too."""
    generated = {n for n in globals() if n.endswith("_api_never_fails_and_keeps_its_schema")}
    fuzzed = sorted(path for paths in GROUPS.values() for path in paths)
    assert fuzzed == sorted(schema.raw_schema["paths"])
    assert len(generated) == len(GROUPS) > 10


# --- numbers out of range (issue 24): 1e309 parses to infinity, which jsonb refuses -------

OUT_OF_RANGE_NUMBERS = ["1e309", "-1e400", "9" * 400]


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = schema.raw_schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _json_operations() -> list[tuple[str, str, dict]]:
    """(method, path, body schema) of every operation that takes a JSON body."""
    found = []
    for path, item in schema.raw_schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method, path, _resolve(content["application/json"]["schema"])))
    return found


def _bad_body(body_schema: dict, number: str) -> str:
    """Every property of the body gets the number: as itself, in an object, in a list."""
    fields = []
    for name, prop in (body_schema.get("properties") or {"n": {}}).items():
        kind = _resolve(prop).get("type")
        value = {"object": '{"n": %s}', "array": "[%s]"}.get(kind, "%s") % number
        fields.append(f"{json.dumps(name)}: {value}")
    return "{" + ", ".join(fields) + "}"


@pytest.mark.parametrize("number", OUT_OF_RANGE_NUMBERS, ids=["1e309", "-1e400", "400-nines"])
def test_numbers_out_of_range_are_400_naming_the_field_everywhere(admin_key, number) -> None:
    """Beside the generated cases (schemathesis draws finite numbers): each JSON body
    operation, every field set to a number no part of Keepflow can hold."""
    client = Client(application)
    operations = _json_operations()
    assert len(operations) > 30
    refused = 0
    for method, path, body_schema in operations:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.generic(method.upper(), url, _bad_body(body_schema, number),
                                  content_type="application/json", **{
                                      "HTTP_AUTHORIZATION": admin_key.headers()["Authorization"]})
        assert response.status_code < 500, (method, path, response.content)
        if response.status_code == 400:
            errors = response.json()["errors"]
            assert [e["code"] for e in errors] == ["out_of_range"], (method, path, errors)
            assert errors[0]["field"] != "body", (method, path, errors)
            refused += 1
    assert refused > len(operations) // 2  # the rest stop earlier: 404, 405, ...
