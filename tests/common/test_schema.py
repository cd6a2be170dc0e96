"""The OpenAPI schema documents the error answers in the one error shape."""

import pytest
from rest_framework.test import APIClient

from apps.common.schema import error_statuses

SECURED = [{"ApiKey": []}]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        pytest.param({"security": SECURED}, ["401", "403"], id="plain-read"),
        pytest.param({"security": SECURED, "parameters": [{"name": "id", "in": "path"}]},
                     ["401", "403", "404"], id="detail"),
        pytest.param({"security": SECURED, "parameters": [{"name": "page", "in": "query"}]},
                     ["400", "401", "403", "404"], id="paginated-list"),
        pytest.param({"security": SECURED, "requestBody": {}},
                     ["400", "401", "403", "413", "415"], id="create"),
        pytest.param({"security": [{}], "requestBody": {}}, ["400", "413", "415"],
                     id="anonymous-create"),
        pytest.param({}, ["401", "403"], id="inherits-global-security"),
    ],
)
def test_error_statuses(operation, expected):
    assert error_statuses(operation, secured_by_default=True) == expected


@pytest.fixture(scope="module")
def served_schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_served_schema_declares_the_error_shape(served_schema):
    components = served_schema["components"]["schemas"]

    assert components["ApiError"]["required"] == ["detail", "errors"]
    assert components["ApiErrorItem"]["required"] == ["field", "code", "message"]


def test_event_ingest_documents_its_errors(served_schema):
    responses = served_schema["paths"]["/api/v1/events/"]["post"]["responses"]

    assert sorted(responses) == ["202", "400", "401", "403", "413", "415", "422", "429"]
    # 422: an idempotency key reused for another event; 429: the workers far behind
    for status in ("400", "422", "429"):
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ApiError"
        }


def test_every_operation_documents_authentication_errors(served_schema):
    for path, item in served_schema["paths"].items():
        for method, operation in item.items():
            if any(operation.get("security", served_schema.get("security", []))):
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_api_key_scheme_is_documented(served_schema):
    schemes = served_schema["components"]["securitySchemes"]

    assert schemes["ApiKey"] == {"type": "http", "scheme": "bearer",
                                 "description": "Keepflow API key"}
