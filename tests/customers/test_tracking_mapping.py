"""From Segment messages to Keepflow's customers and events: the pure mapping rules."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.customers.tracking.mapping import (
    external_id,
    identify_profile,
    message_map,
    occurred_at,
    slim_context,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 1, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("message", "batch_sent_at", "expected"), [
    ({"timestamp": at(9)}, at(11), at(9)),
    ({"originalTimestamp": at(13, 55), "sentAt": at(14)}, None, NOW - timedelta(minutes=5)),
    ({"originalTimestamp": at(13, 55)}, at(14), NOW - timedelta(minutes=5)),
    ({"originalTimestamp": at(10)}, None, at(10)),
    ({}, at(11), NOW),
    ({"originalTimestamp": datetime(1, 1, 1, tzinfo=UTC),
      "sentAt": datetime(9999, 12, 31, tzinfo=UTC)}, None, datetime(1, 1, 1, tzinfo=UTC)),
], ids=["timestamp-wins", "skew-from-message-sent-at", "skew-from-batch-sent-at",
        "original-alone", "nothing-means-received", "overflow-falls-back"])
def test_occurred_at(message, batch_sent_at, expected):
    assert occurred_at(message, batch_sent_at, NOW) == expected


@pytest.mark.parametrize(("message", "expected"), [
    ({"userId": "u1", "anonymousId": "a1"}, "u1"),
    ({"userId": "", "anonymousId": "a1"}, "anon:a1"),
    ({"userId": None, "anonymousId": "a1"}, "anon:a1"),
], ids=["user-id-wins", "blank-user-id", "null-user-id"])
def test_external_id(message, expected):
    assert external_id(message) == expected


@pytest.mark.parametrize(("traits", "context", "profile", "invalid"), [
    ({"name": "Ada Lovelace"}, {}, {"first_name": "Ada", "last_name": "Lovelace"}, {}),
    ({"name": "  Cher  "}, {}, {"first_name": "Cher"}, {}),
    ({"name": "Ada Lovelace", "firstName": "Augusta"}, {},
     {"first_name": "Augusta", "last_name": "Lovelace"}, {}),
    ({"first_name": "snake", "lastName": "camel"}, {},
     {"first_name": "snake", "last_name": "camel"}, {}),
    ({"email": None, "timezone": None}, {}, {"email": ""}, {}),
    ({}, {"timezone": "Asia/Tokyo", "locale": "ja-JP"},
     {"timezone": "Asia/Tokyo", "locale": "ja-JP"}, {}),
    ({"timezone": "Europe/Rome"}, {"timezone": "Asia/Tokyo"}, {"timezone": "Europe/Rome"}, {}),
    ({}, {"timezone": "Moon/Base"}, {}, {"context.timezone": "unknown time zone"}),
    ({"email": "nope", "plan": "pro"}, {}, {"attributes": {"email": "nope", "plan": "pro"}},
     {"email": "Enter a valid email address."}),
    ({"phone": 4915112345678}, {}, {"attributes": {"phone": 4915112345678}},
     {"phone": "not a phone number in international form"}),
    ({"address": {"city": "Berlin"}, "age": 36}, {},
     {"attributes": {"address": {"city": "Berlin"}, "age": 36}}, {}),
], ids=["name-split", "one-word-name", "first-name-beats-name", "snake-and-camel",
        "nulls-clear-but-not-timezone", "context-timezone-locale", "trait-beats-context",
        "bad-context-timezone-dropped", "bad-email-kept-raw", "number-phone-kept-raw",
        "other-traits-to-attributes"])
def test_identify_profile(traits, context, profile, invalid):
    got, reasons = identify_profile(traits, context)

    assert got == profile
    assert list(reasons) == list(invalid)
    for trait, start in invalid.items():
        assert reasons[trait].startswith(start)


def test_slim_context_keeps_what_is_useful_and_links_the_anonymous_id():
    context = {"ip": "203.0.113.1", "library": {"name": "x"}, "screen": {"width": 1},
               "traits": {"email": "a@b.c"}, "locale": "", "page": {"path": "/"}}

    kept = slim_context(context, {"userId": "u", "anonymousId": "a"})

    assert kept == {"ip": "203.0.113.1", "library": {"name": "x"}, "page": {"path": "/"},
                    "anonymousId": "a"}


def test_message_context_beats_batch_context_and_properties_keep_their_own_context():
    mapped = message_map(
        "track",
        {"userId": "u", "event": "E", "properties": {"context": "mine"},
         "context": {"ip": "1.1.1.1"}, "messageId": "m"},
        received_at=NOW, defaults={"context": {"ip": "2.2.2.2", "locale": "de"}},
    )

    assert mapped.event.properties == {"context": "mine"}
    assert mapped.event.idempotency_key == "segment:m"
    assert mapped.profile is None


def test_a_message_without_message_id_has_no_idempotency_key():
    mapped = message_map("page", {"anonymousId": "a"}, received_at=NOW)

    assert (mapped.event.type, mapped.event.idempotency_key, mapped.event.occurred_at) == (
        "page.viewed", None, NOW)
