"""The Segment-compatible endpoints under /v1/, over HTTP with write-key auth."""

import base64
import gzip
import json
import zlib
from datetime import UTC, datetime

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.accounts.capabilities import SCOPE_CAPABILITIES, Capability, Scope
from apps.accounts.services import api_key_create, api_key_revoke
from apps.customers.models import Customer, Event
from apps.customers.tracking.services import TrackingResult, tracking_messages_store

pytestmark = pytest.mark.django_db


def basic(raw_key: str) -> str:
    return "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()


@pytest.fixture
def write_key() -> str:
    return api_key_create(name="segment source", scopes=["events:write"])[1]


@pytest.fixture
def segment(write_key) -> APIClient:
    """A client that authenticates the way the Segment SDKs do."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(write_key))
    return client


def post(client: APIClient, path: str, body, **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(path, data=data, content_type="application/json", **headers)


def test_identify_maps_traits_to_the_profile_and_records_an_event(segment):
    response = post(segment, "/v1/identify", {
        "userId": "u-1",
        "messageId": "m-1",
        "traits": {"email": "ada@example.com", "phone": "+49 151 12345678",
                   "firstName": "Ada", "lastName": "Lovelace", "plan": "pro", "seats": 3},
        "context": {"timezone": "Europe/Berlin", "locale": "de-DE", "ip": "203.0.113.9",
                    "screen": {"width": 390}},
        "timestamp": "2026-03-01T12:00:00Z",
    })

    assert (response.status_code, response.json()) == (200, {"success": True})
    customer = Customer.objects.get(external_id="u-1")
    assert (customer.email, customer.phone, customer.first_name, customer.last_name,
            customer.timezone, customer.locale) == (
        "ada@example.com", "+4915112345678", "Ada", "Lovelace", "Europe/Berlin", "de-DE")
    assert customer.attributes == {"plan": "pro", "seats": 3}
    event = Event.objects.get()
    assert (event.customer_id, event.type, event.source, event.idempotency_key) == (
        customer.id, "identify", "tracking", "segment:m-1")
    assert event.occurred_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert event.properties == {
        "traits": {"email": "ada@example.com", "phone": "+49 151 12345678",
                   "firstName": "Ada", "lastName": "Lovelace", "plan": "pro", "seats": 3},
        "context": {"ip": "203.0.113.9", "locale": "de-DE", "timezone": "Europe/Berlin"},
    }


def test_identify_splits_name_and_merges_attributes_into_existing_ones(segment):
    Customer.objects.create(external_id="u-2", first_name="Old", attributes={"keep": 1})

    post(segment, "/v1/identify", {"userId": "u-2", "traits": {"name": "Grace Brewster Hopper",
                                                               "keep": None, "vip": True}})

    customer = Customer.objects.get(external_id="u-2")
    assert (customer.first_name, customer.last_name) == ("Grace", "Brewster Hopper")
    assert customer.attributes == {"vip": True}


def test_identify_with_an_invalid_phone_keeps_the_other_traits_and_says_why(segment):
    response = post(segment, "/v1/identify", {
        "userId": "u-3", "traits": {"phone": "12345", "email": "x@example.com"}})

    assert response.status_code == 200
    customer = Customer.objects.get(external_id="u-3")
    assert (customer.phone, customer.email) == ("", "x@example.com")
    assert customer.attributes == {"phone": "12345"}
    invalid = Event.objects.get().properties["invalid_traits"]
    assert list(invalid) == ["phone"]
    assert "phone number" in invalid["phone"]


def test_track_stores_the_event_under_its_name_with_a_slim_context(segment):
    response = post(segment, "/v1/track", {
        "userId": 42, "event": "Order Completed", "messageId": "m-2",
        "properties": {"total": 19.99, "items": [{"sku": "A"}]},
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"},
                    "network": {"wifi": True}, "traits": {"email": "a@b.c"}},
    })

    assert response.status_code == 200
    event = Event.objects.select_related("customer").get()
    assert (event.customer.external_id, event.type) == ("42", "Order Completed")
    assert event.properties == {
        "total": 19.99, "items": [{"sku": "A"}],
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
    }


def test_anonymous_id_becomes_an_anon_customer_and_is_linked_once_identified(segment):
    post(segment, "/v1/track", {"anonymousId": "abc", "event": "Viewed Pricing"})
    post(segment, "/v1/identify", {"anonymousId": "abc", "userId": "u-4", "traits": {}})

    anon, known = Event.objects.order_by("id").select_related("customer")
    assert anon.customer.external_id == "anon:abc"
    assert known.customer.external_id == "u-4"
    assert known.properties["context"] == {"anonymousId": "abc"}


@pytest.mark.parametrize(("path", "body", "external_id", "type_", "properties"), [
    ("/v1/page", {"userId": "u", "name": "Pricing", "category": "Docs",
                  "properties": {"path": "/pricing"}},
     "u", "page.viewed", {"path": "/pricing", "name": "Pricing", "category": "Docs"}),
    ("/v1/screen", {"anonymousId": "d1", "name": "Home"},
     "anon:d1", "screen.viewed", {"name": "Home"}),
    ("/v1/group", {"userId": "u", "groupId": "acme", "traits": {"plan": "enterprise"}},
     "u", "group", {"group_id": "acme", "traits": {"plan": "enterprise"}}),
    ("/v1/alias", {"userId": "u", "previousId": "anon-7"},
     "u", "customer.aliased", {"previous_id": "anon-7"}),
], ids=["page", "screen", "group", "alias"])
def test_other_calls_become_events(segment, path, body, external_id, type_, properties):
    response = post(segment, path, body)

    assert response.status_code == 200
    event = Event.objects.select_related("customer").get()
    assert (event.customer.external_id, event.type, event.properties) == (
        external_id, type_, properties)


def test_group_traits_land_in_the_customer_attributes(segment):
    post(segment, "/v1/group", {"userId": "u-5", "groupId": "acme",
                                "traits": {"name": "Acme", "employees": 50}})

    assert Customer.objects.get(external_id="u-5").attributes == {
        "group": {"id": "acme", "name": "Acme", "employees": 50}}


def test_repeated_message_id_is_stored_once_and_not_applied_again(segment):
    post(segment, "/v1/identify", {"userId": "u-6", "messageId": "m-6",
                                   "traits": {"plan": "pro"}})
    post(segment, "/v1/identify", {"userId": "u-6", "messageId": "m-7",
                                   "traits": {"plan": "enterprise"}})

    retry = post(segment, "/v1/identify", {"userId": "u-6", "messageId": "m-6",
                                           "traits": {"plan": "pro"}})

    assert retry.status_code == 200
    assert Event.objects.count() == 2
    assert Customer.objects.get(external_id="u-6").attributes == {"plan": "enterprise"}


def test_store_counts_duplicates_and_profile_changes():
    messages = [("identify", {"userId": "s1", "messageId": "x1", "traits": {"plan": "a"}}),
                ("track", {"userId": "s1", "messageId": "x2", "event": "E"}),
                ("identify", {"userId": "s1", "messageId": "x1", "traits": {"plan": "b"}})]

    result = tracking_messages_store(messages, received_at=datetime.now(UTC))

    assert result == TrackingResult(accepted=2, duplicates=1, customers_updated=1)
    assert Customer.objects.get(external_id="s1").attributes == {"plan": "a"}


def test_batch_stores_every_message_in_order_with_batch_context(segment):
    response = post(segment, "/v1/batch", {
        "batch": [
            {"type": "identify", "userId": "u-7", "messageId": "b1",
             "traits": {"email": "u7@example.com", "plan": "free"}},
            {"type": "track", "userId": "u-7", "messageId": "b2", "event": "Signed Up"},
            {"type": "identify", "userId": "u-7", "messageId": "b3",
             "traits": {"plan": "pro"}, "context": {"ip": "198.51.100.1"}},
            {"type": "track", "anonymousId": "x", "messageId": "b1-dup-elsewhere",
             "event": "Viewed"},
        ],
        "context": {"ip": "192.0.2.1", "locale": "en-GB"},
    })

    assert (response.status_code, response.json()) == (200, {"success": True})
    customer = Customer.objects.get(external_id="u-7")
    assert (customer.email, customer.locale, customer.attributes) == (
        "u7@example.com", "en-GB", {"plan": "pro"})
    events = {e.idempotency_key: (e.type, e.properties["context"]["ip"])
              for e in Event.objects.all()}
    assert events == {
        "segment:b1": ("identify", "192.0.2.1"),
        "segment:b2": ("Signed Up", "192.0.2.1"),
        "segment:b3": ("identify", "198.51.100.1"),
        "segment:b1-dup-elsewhere": ("Viewed", "192.0.2.1"),
    }


def test_a_bad_message_rejects_the_whole_batch_naming_it(segment):
    response = post(segment, "/v1/batch", {"batch": [
        {"type": "track", "userId": "ok", "event": "Fine"},
        {"type": "track", "event": "No one"},
        {"type": "track", "userId": "u", "event": ""},
        {"type": "teleport", "userId": "u"},
        "not an object",
    ]})

    assert response.status_code == 400
    body = response.json()
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("batch.1.userId", "required"),
        ("batch.2.event", "blank"),
        ("batch.3.type", "invalid_choice"),
        ("batch.4", "invalid"),
    ]
    assert (body["success"], body["code"]) == (False, "required")
    assert Event.objects.count() == 0


@pytest.mark.parametrize(("path", "body", "field", "code"), [
    ("/v1/track", {"userId": "u"}, "event", "required"),
    ("/v1/track", {"userId": "u", "event": "x" * 101}, "event", "max_length"),
    ("/v1/track", {"event": "E"}, "userId", "required"),
    ("/v1/track", {"userId": "u", "event": "E", "properties": [1]}, "properties",
     "not_a_dict"),
    ("/v1/track", {"userId": "u", "event": "E", "timestamp": "yesterday"}, "timestamp",
     "invalid"),
    ("/v1/track", {"userId": "u", "event": "E", "properties": {"note": "a\x00b"}},
     "properties.note", "invalid"),
    ("/v1/track", [{"userId": "u"}], "body", "invalid"),
    ("/v1/group", {"userId": "u"}, "groupId", "required"),
    ("/v1/alias", {"previousId": "p"}, "userId", "required"),
    ("/v1/batch", {"batch": None}, "batch", "required"),
    ("/v1/batch", {"batch": [{"type": ["track"], "userId": "u"}]}, "batch.0.type",
     "invalid_choice"),
    ("/v1/batch", {"batch": [{"type": "track", "userId": "u", "event": "E",
                              "properties": {"pad": "x" * 33_000}}]}, "batch.0", "too_large"),
], ids=["track-no-event", "event-too-long", "no-ids", "properties-not-object",
        "bad-timestamp", "nul-character", "not-an-object", "group-no-group-id",
        "alias-no-user-id", "batch-missing", "batch-type-not-text", "message-over-32kb"])
def test_invalid_input_is_a_400_naming_the_field(segment, path, body, field, code):
    response = post(segment, path, body)

    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    assert Event.objects.count() == 0


# A number out of range (1e400) is named by its field instead: tests/common/test_parsers.py.
@pytest.mark.parametrize("raw", [b"{not json", b'{"userId": NaN}', b"\xff\xfe"],
                         ids=["syntax", "nan", "not-utf8"])
def test_malformed_json_is_a_400_parse_error(segment, raw):
    response = post(segment, "/v1/track", raw)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_an_empty_body_is_a_message_without_fields(segment):
    response = post(segment, "/v1/track", b"")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["event"]


@pytest.mark.parametrize(("encoding", "compress"), [
    ("gzip", gzip.compress), ("deflate", zlib.compress)], ids=["gzip", "deflate"])
def test_compressed_bodies_are_accepted(segment, encoding, compress):
    body = compress(json.dumps({"userId": "u-8", "event": "Zipped"}).encode())

    response = post(segment, "/v1/track", body, HTTP_CONTENT_ENCODING=encoding)

    assert response.status_code == 200
    assert Event.objects.get().type == "Zipped"


@pytest.mark.parametrize(("path", "body", "headers", "status", "code"), [
    ("/v1/track", b"not gzip", {"HTTP_CONTENT_ENCODING": "gzip"}, 400, "parse_error"),
    ("/v1/track", b"{}", {"HTTP_CONTENT_ENCODING": "br"}, 415, "unsupported_media_type"),
    ("/v1/track", json.dumps({"userId": "u", "event": "E", "p": "x" * 33_000}).encode(),
     {}, 413, "too_large"),
    ("/v1/batch", gzip.compress(b" " * 600_000), {"HTTP_CONTENT_ENCODING": "gzip"}, 413,
     "too_large"),
], ids=["bad-gzip", "unknown-encoding", "call-over-32kb", "gzip-bomb-over-500kb"])
def test_body_level_problems(segment, path, body, headers, status, code):
    response = post(segment, path, body, **headers)

    assert response.status_code == status
    data = response.json()
    assert (data["success"], data["code"]) == (False, code)
    assert data["message"] == data["detail"]


def test_a_batch_of_400_kb_is_accepted(segment):
    batch = [{"type": "track", "userId": f"u{i}", "messageId": f"m{i}", "event": "Big",
              "properties": {"pad": "x" * 1000}} for i in range(380)]

    response = post(segment, "/v1/batch", {"batch": batch})

    assert response.status_code == 200
    assert Event.objects.filter(type="Big").count() == 380


@pytest.mark.parametrize(("message", "expected"), [
    ({"timestamp": "2026-01-01T10:00:00Z", "sentAt": "2026-01-01T12:00:00Z"},
     "2026-01-01T10:00:00+00:00"),
    ({"originalTimestamp": "2026-01-01T10:00:00Z"}, "2026-01-01T10:00:00+00:00"),
], ids=["explicit-timestamp-as-sent", "original-without-sent-at"])
def test_timestamps(segment, message, expected):
    post(segment, "/v1/track", {"userId": "u", "event": "E", **message})

    assert Event.objects.get().occurred_at.isoformat() == expected


def test_client_clock_skew_is_corrected_with_sent_at(segment):
    # The client's clock is 2 hours ahead: it sent at 14:00 (its time), the event happened
    # 5 minutes before that; the server receives it now.
    before = datetime.now(UTC)
    post(segment, "/v1/batch", {"sentAt": "2030-01-01T14:00:00Z", "batch": [
        {"type": "track", "userId": "u", "event": "E",
         "originalTimestamp": "2030-01-01T13:55:00Z"}]})
    after = datetime.now(UTC)

    occurred = Event.objects.get().occurred_at
    assert before.timestamp() - 300 <= occurred.timestamp() <= after.timestamp() - 300


def test_bearer_key_works_too(key_client):
    response = post(key_client("events:write"), "/v1/track", {"userId": "u", "event": "E"})

    assert response.status_code == 200


@pytest.mark.parametrize(("authorization", "status"), [
    (None, 401),
    ("Basic " + base64.b64encode(b"kf_nope:").decode(), 401),
    ("Basic " + base64.b64encode(b":").decode(), 401),
    ("Basic !!!", 401),
], ids=["no-key", "unknown-key", "empty-key", "malformed-basic"])
def test_missing_or_bad_write_key_is_401(authorization, status):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = post(client, "/v1/track", {"userId": "u", "event": "E"})

    assert response.status_code == status
    assert response["WWW-Authenticate"] == 'Basic realm="keepflow"'
    assert Event.objects.count() == 0


def test_revoked_key_is_401():
    key, raw = api_key_create(name="old", scopes=["events:write"])
    api_key_revoke(key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(raw))

    assert post(client, "/v1/track", {"userId": "u", "event": "E"}).status_code == 401


def test_key_without_events_write_is_403():
    raw = api_key_create(name="reader", scopes=["read"])[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(raw))

    response = post(client, "/v1/batch", {"batch": []})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_identify_needs_customers_write_as_well(segment, monkeypatch):
    monkeypatch.setitem(SCOPE_CAPABILITIES, Scope.EVENTS_WRITE,
                        frozenset({Capability.EVENTS_WRITE}))

    identify = post(segment, "/v1/batch", {"batch": [
        {"type": "identify", "userId": "u", "traits": {"plan": "x"}}]})
    track = post(segment, "/v1/track", {"userId": "u", "event": "E"})

    assert (identify.status_code, track.status_code) == (403, 200)
    assert Customer.objects.get(external_id="u").attributes == {}


def test_get_is_not_allowed(segment):
    assert segment.get("/v1/track").status_code == 405


def test_a_kept_validator_answers_each_message_as_a_fresh_serializer_would() -> None:
    """message_validate reuses one serializer per type and thread: nothing of one message
    may show in the next, and errors stay those of a fresh serializer."""
    from apps.customers.tracking.serializers import SERIALIZERS, message_validate

    first = {"userId": "u-1", "event": "Signed Up", "properties": {"plan": "pro"},
             "timestamp": "2026-03-01T12:00:00Z"}
    second = {"anonymousId": "a-2", "event": "Viewed"}
    bad = {"event": "Viewed"}
    for message in (first, second, first):
        fresh = SERIALIZERS["track"](data=message)
        assert fresh.is_valid()
        assert message_validate("track", message) == dict(fresh.validated_data)
    fresh = SERIALIZERS["track"](data=bad)
    assert not fresh.is_valid()
    with pytest.raises(ValidationError) as raised:
        message_validate("track", bad)
    assert raised.value.detail == fresh.errors
