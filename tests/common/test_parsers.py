"""JSON that PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the
field, never a failed INSERT."""

from decimal import Decimal

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


# --- numbers: 1e309 is infinity to Python and no number to PostgreSQL ---------------------

NINES = "9" * 400
OUT_OF_RANGE = {"code": "out_of_range", "message": "is not a number that can be stored: "
                "numbers must be finite and at most 1.7e308 in size"}


@pytest.mark.parametrize(
    ("method", "url", "scope", "body", "field"),
    [
        pytest.param("PUT", "/api/v1/customers/c1", "admin", '{"attributes": {"n": 1e309}}',
                     "attributes.n", id="customer-attribute"),
        pytest.param("POST", "/api/v1/events", "events:write",
                     '{"customer_id": "c1", "type": "t", "properties": {"n": 1e309}}',
                     "properties.n", id="event-property"),
        pytest.param("POST", "/api/v1/events", "events:write",
                     '{"customer_id": "c1", "type": "t", "properties": {"n": [1, -1e400]}}',
                     "properties.n.1", id="negative-infinity-in-a-list"),
        pytest.param("POST", "/api/v1/events", "events:write",
                     '{"events": [{"customer_id": "c1", "type": "t"}, {"customer_id": "c2", '
                     '"type": "t", "properties": {"big": ' + NINES + '}}]}',
                     "events.1.properties.big", id="huge-integer-in-a-batch"),
        pytest.param("POST", "/api/v1/events", "events:write",
                     '{"customer_id": "c1", "type": "t", "properties": {"n": '
                     + "9" * 308 + 'e1}}', "properties.n", id="long-mantissa-small-exponent"),
        pytest.param("POST", "/api/v1/events", "events:write",
                     '{"customer_id": "c1", "type": "t", "properties": {"n": 1E+0309}}',
                     "properties.n", id="exponent-written-otherwise"),
        pytest.param("POST", "/api/v1/segments/preview", "admin",
                     '{"condition": {"field": "customer.attributes.n", "op": "gt", "value": '
                     + NINES + '}}', "condition.value", id="segment-preview-condition"),
        pytest.param("POST", "/v1/track", "events:write",
                     '{"userId": "c1", "event": "Played", "properties": {"n": 1e309}}',
                     "properties.n", id="tracking-track"),
        pytest.param("POST", "/v1/batch", "events:write",
                     '{"batch": [{"type": "track", "userId": "c1", "event": "Played", '
                     '"properties": {"n": -1e400}}]}', "batch.0.properties.n",
                     id="tracking-batch"),
        pytest.param("POST", "/v1/identify", "events:write",
                     '{"userId": "c1", "traits": {"n": ' + NINES + '}}', "traits.n",
                     id="tracking-identify"),
    ],
)
def test_numbers_out_of_range_are_400_naming_the_field(key_client, method, url, scope, body,
                                                       field):
    response = key_client(scope).generic(method, url, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [{"field": field, **OUT_OF_RANGE}]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("number", "stored"),
    [  # jsonb keeps a number's decimal digits: a large float comes back as that integer
        pytest.param("1.7976931348623157e308", int(Decimal("1.7976931348623157e308")),
                     id="largest-double"),
        pytest.param("-1e308", -(10**308), id="large-negative"),
        pytest.param("1e-400", 0.0, id="underflow-is-zero"),
        pytest.param("9" * 300, int("9" * 300), id="300-digit-integer"),
        pytest.param("12345678901234567890", 12345678901234567890, id="beyond-64-bits"),
        pytest.param("1" * 250 + ".5e-99", int(Decimal(repr(float("1" * 250 + ".5e-99")))),
                     id="long-run-slow-path"),
    ],
)
def test_numbers_in_range_are_stored(key_client, number, stored):
    body = '{"customer_id": "c1", "type": "t", "properties": {"n": ' + number + "}}"

    response = key_client("events:write").generic("POST", "/api/v1/events", body,
                                                  content_type="application/json")

    assert response.status_code == 202, response.content
    assert Event.objects.get().properties == {"n": stored}

