"""Bodies over KEEPFLOW_MAX_BODY_BYTES are refused with 413 in the error shape: up front
when the Content-Length says so, and when the body is read (the handler's path)."""

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

LIMIT = 2_000
TOO_LARGE = {
    "detail": f"Request body is larger than the limit of {LIMIT} bytes.",
    "errors": [{"field": "body", "code": "too_large", "message": f"max {LIMIT} bytes"}],
}


def event_body(size: int) -> bytes:
    """A valid single event padded to exactly `size` bytes."""
    base = {"customer_id": "c1", "type": "note", "properties": {"text": ""}}
    padding = size - len(json.dumps(base).encode())
    base["properties"]["text"] = "x" * padding
    body = json.dumps(base).encode()
    assert len(body) == size
    return body


@override_settings(KEEPFLOW_MAX_BODY_BYTES=LIMIT, DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
@pytest.mark.parametrize(
    ("size", "status"),
    [
        pytest.param(LIMIT, 202, id="at-limit"),
        pytest.param(LIMIT + 1, 413, id="one-byte-over"),
        pytest.param(10 * LIMIT, 413, id="far-over"),
    ],
)
def test_declared_length_over_limit_is_413(key_client, size, status):
    response = key_client("events:write").generic(
        "POST", "/api/v1/events", event_body(size), content_type="application/json"
    )

    assert response.status_code == status
    if status == 413:
        assert response.json() == TOO_LARGE


@override_settings(KEEPFLOW_MAX_BODY_BYTES=LIMIT, DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT)
def test_over_limit_without_authentication_is_still_413(client):
    """The middleware answers before authentication: an oversized body is never read."""
    response = client.generic("POST", "/api/v1/events", event_body(LIMIT + 1),
                              content_type="application/json")

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@override_settings(KEEPFLOW_MAX_BODY_BYTES=LIMIT, DATA_UPLOAD_MAX_MEMORY_SIZE=LIMIT // 2)
def test_body_refused_when_read_is_413_in_the_same_shape(key_client):
    """Django refuses the body when it is read (RequestDataTooBig); the API's exception
    handler turns that into the same 413, not Django's bare 400."""
    response = key_client("events:write").generic(
        "POST", "/api/v1/events", event_body(LIMIT - 100), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@pytest.mark.parametrize("header", ["abc", "1.5"])
def test_unreadable_content_length_is_400(key_client, header):
    response = key_client("events:write").generic(
        "POST", "/api/v1/events", b"{}", content_type="application/json",
        CONTENT_LENGTH=header,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid Content-Length header.", "errors": []}
