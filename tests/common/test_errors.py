"""The one error shape, {detail, errors: [{field, code, message}]}, for every way a
request can fail: invalid fields (nested paths), bad credentials, missing rights, wrong
methods and unknown URLs."""

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.test import APIClient

from apps.accounts.services import api_key_create, api_key_revoke
from apps.common.errors import flatten_errors

pytestmark = pytest.mark.django_db


def err(message: str, code: str = "invalid") -> ErrorDetail:
    return ErrorDetail(message, code=code)


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        pytest.param(
            {"type": [err("This field is required.", "required")]},
            [{"field": "type", "code": "required", "message": "This field is required."}],
            id="flat-field",
        ),
        pytest.param(
            {"events": [{}, {}, {}, {"type": [err("bad", "invalid")]}]},
            [{"field": "events.3.type", "code": "invalid", "message": "bad"}],
            id="list-of-objects-skips-valid-items",
        ),
        pytest.param(
            {"consent": {"email": {"status": [err("no", "invalid_choice")]}}},
            [{"field": "consent.email.status", "code": "invalid_choice", "message": "no"}],
            id="nested-objects",
        ),
        pytest.param(
            {"non_field_errors": [err("clash")]},
            [{"field": "body", "code": "invalid", "message": "clash"}],
            id="non-field-error-names-body",
        ),
        pytest.param(
            {"tags": {"1": [err("too long", "max_length")]}},
            [{"field": "tags.1", "code": "max_length", "message": "too long"}],
            id="list-child-errors-by-index",
        ),
        pytest.param(
            [err("expected an object")],
            [{"field": "body", "code": "invalid", "message": "expected an object"}],
            id="top-level-list",
        ),
    ],
)
def test_flatten_errors_gives_dotted_paths(detail, expected):
    assert flatten_errors(detail) == expected


def test_flatten_errors_matches_what_drf_raises_for_a_nested_serializer():
    class Item(serializers.Serializer):
        type = serializers.CharField()

    class Batch(serializers.Serializer):
        events = Item(many=True)

    batch = Batch(data={"events": [{"type": "a"}, {}]})
    assert not batch.is_valid()

    assert flatten_errors(batch.errors) == [
        {"field": "events.1.type", "code": "required", "message": "This field is required."}
    ]


def test_batch_event_error_names_the_nested_field(key_client):
    events = [{"customer_id": f"c{i}", "type": "purchase"} for i in range(5)]
    del events[3]["type"]

    response = key_client("events:write").post("/api/v1/events", {"events": events},
                                                format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": "events.3.type", "code": "required",
                    "message": "This field is required."}],
    }


@pytest.mark.parametrize(
    ("body", "message_start"),
    [
        pytest.param(b'{"customer_id": "c1",', "JSON parse error", id="truncated"),
        pytest.param(b"{'customer_id': 'c1'}", "JSON parse error", id="single-quotes"),
        pytest.param(b'{"customer_id": NaN}', "JSON parse error", id="nan-constant"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "JSON parse error", id="nested-too-deep"),
        pytest.param(b"\xff\xfe{}", "JSON parse error", id="not-utf8"),
    ],
)
def test_malformed_json_is_400_naming_body(key_client, body, message_start):
    response = key_client("events:write").generic(
        "POST", "/api/v1/events", body, content_type="application/json"
    )

    assert response.status_code == 400
    data = response.json()
    assert data["detail"].startswith(message_start)
    assert data["errors"] == [{"field": "body", "code": "parse_error", "message": data["detail"]}]


def test_form_bodies_are_refused_as_unsupported_media_type(key_client):
    response = key_client("events:write").post(
        "/api/v1/events", "customer_id=c1&type=purchase",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
        "errors": [],
    }


def test_no_credentials_is_401_with_a_bearer_challenge():
    response = APIClient().get("/api/v1/customers")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Authentication credentials were not provided.",
                               "errors": []}


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer kf_00000000_not-a-key", id="unknown-key"),
        pytest.param("Bearer two parts", id="space-in-key"),
    ],
)
def test_bad_credentials_are_401(authorization):
    response = APIClient().get("/api/v1/customers", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}
    assert response.json()["errors"] == []


def test_revoked_key_is_401():
    key, raw = api_key_create(name="old", scopes=["admin"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/customers").status_code == 200

    api_key_revoke(key)
    response = client.get("/api/v1/customers")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, revoked or expired API key.", "errors": []}


@pytest.mark.parametrize(
    ("scope", "method", "path", "body"),
    [
        pytest.param("read", "post", "/api/v1/events", {"customer_id": "c", "type": "t"},
                     id="read-key-posts-event"),
        pytest.param("events:write", "get", "/api/v1/api-keys", None,
                     id="tracking-key-lists-api-keys"),
        pytest.param("read", "put", "/api/v1/customers/c1", {"first_name": "Ann"},
                     id="read-key-writes-customer"),
    ],
)
def test_wrong_scope_is_403(key_client, scope, method, path, body):
    response = getattr(key_client(scope), method)(path, body, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role or API key scopes do not allow this action.", "errors": []
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("patch", "/api/v1/events/1", id="patch-event"),
        pytest.param("put", "/api/v1/events/1", id="put-event"),
        pytest.param("delete", "/api/v1/me", id="delete-me"),
    ],
)
def test_unsupported_method_is_405_not_403(key_client, method, path):
    response = getattr(key_client("admin"), method)(path, {}, format="json")

    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.', "errors": []}


def test_unsupported_method_without_credentials_is_still_401():
    assert APIClient().patch("/api/v1/events/1", {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/api-keys/0.5/", id="id-not-matching-route"),
        pytest.param("/api/v1/no-such-thing", id="unknown-resource"),
        pytest.param("/v1/no-such-thing", id="tracking-prefix"),
    ],
)
def test_unknown_api_url_is_json_404(key_client, path):
    response = key_client("admin").get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "errors": []}


def test_unknown_url_outside_the_api_stays_html(client):
    response = client.get("/static/no-such-file.js")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
