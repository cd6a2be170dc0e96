"""The published OpenAPI schema, fuzzed with schemathesis: every operation, generated
inputs, an admin API key so nothing stops at authentication. No input may cause a 500,
and what the API answers must match what the schema promises."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
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


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_operation_never_fails_and_keeps_its_schema(case, admin_key):
    case.call_and_validate(headers=admin_key.headers(), checks=CHECKS)
