"""JSON that PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the
field, never a failed INSERT."""

import pytest

from apps.common.parsers import unstorable_path
from apps.customers.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("data", "path"),
    [
        pytest.param({"a": "fine", "b": ["ok", {"c": 1}]}, None, id="clean"),
        pytest.param({"a": "x\x00y"}, "a", id="nul-in-value"),
        pytest.param({"a": {"b": ["ok", "\ud800"]}}, "a.b.1", id="lone-surrogate-in-list"),
        pytest.param({"a": {"k\x00": 1}}, "a", id="bad-key-reported-at-its-object"),
        pytest.param("\x00", "", id="top-level-string"),
        pytest.param({"emoji": "\U0001f600 ümlaut"}, None, id="non-ascii-is-fine"),
    ],
)
def test_unstorable_path(data, path):
    assert unstorable_path(data) == path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(rb'{"customer_id": "c1", "type": "t", "properties": {"note": "a\u0000"}}',
                     "properties.note", id="nul-in-properties"),
        pytest.param(rb'{"events": [{"customer_id": "c1", "type": "t"},'
                     rb' {"customer_id": "c2", "type": "t", "properties": {"x": ["\udc00"]}}]}',
                     "events.1.properties.x.0", id="surrogate-in-batch"),
        pytest.param(rb'{"customer_id": "c\u0000", "type": "t"}', "customer_id",
                     id="nul-in-customer-id"),
    ],
)
def test_unstorable_text_is_400_naming_the_field(key_client, body, field):
    response = key_client("events:write").generic(
        "POST", "/api/v1/events", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": [{"field": field, "code": "invalid", "message": "contains a NUL character "
                    "or an unpaired surrogate, which cannot be stored"}],
    }
    assert not Event.objects.exists()


def test_escaped_text_that_is_storable_goes_through(key_client):
    body = rb'{"customer_id": "c1", "type": "t", "properties": {"note": "caf\u00e9 \ud83d\ude00"}}'

    response = key_client("events:write").generic(
        "POST", "/api/v1/events", body, content_type="application/json"
    )

    assert response.status_code == 202
    assert Event.objects.get().properties == {"note": "café \U0001f600"}
