"""The events API's plain-input path agrees with the serializers: whatever it accepts,
they accept with the same validated data; whatever it declines, they decide."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.customers.events_input import event_in_plain, events_in_plain
from apps.customers.serializers import EventBatchInSerializer, EventInSerializer


def serialized(data: Any) -> dict[str, Any] | None:
    serializer = EventInSerializer(data=data)
    return dict(serializer.validated_data) if serializer.is_valid() else None


@pytest.mark.parametrize("case, data, expected", [
    ("minimal", {"customer_id": "c-1", "type": "purchase"},
     {"customer_id": "c-1", "type": "purchase", "properties": {}}),
    ("everything", {"customer_id": "c-1", "type": "Order Completed",
                    "properties": {"score": 2, "tags": ["a"], "none": None},
                    "occurred_at": "2026-03-01T12:00:00+01:00", "idempotency_key": "k-1"},
     {"customer_id": "c-1", "type": "Order Completed",
      "properties": {"score": 2, "tags": ["a"], "none": None},
      "occurred_at": datetime(2026, 3, 1, 11, tzinfo=UTC), "idempotency_key": "k-1"}),
    ("naive time is UTC", {"customer_id": "c", "type": "t", "occurred_at": "2026-03-01 12:00"},
     {"customer_id": "c", "type": "t", "properties": {},
      "occurred_at": datetime(2026, 3, 1, 12, tzinfo=UTC)}),
    ("unknown keys ignored", {"customer_id": "c", "type": "t", "extra": 1},
     {"customer_id": "c", "type": "t", "properties": {}}),
])
def test_plain_events_skip_the_serializer_with_its_result(case, data, expected) -> None:
    assert event_in_plain(data) == expected
    assert serialized(data) == expected


@pytest.mark.parametrize("case, data", [
    ("missing customer", {"type": "t"}),
    ("blank customer", {"customer_id": "", "type": "t"}),
    ("spaces trimmed by the serializer", {"customer_id": " c ", "type": "t"}),
    ("number as customer id", {"customer_id": 42, "type": "t"}),
    ("not ASCII", {"customer_id": "Jürgen", "type": "t"}),
    ("NUL", {"customer_id": "c\x00", "type": "t"}),
    ("too long", {"customer_id": "c" * 256, "type": "t"}),
    ("type with a control character", {"customer_id": "c", "type": "a\x01b"}),
    ("properties not an object", {"customer_id": "c", "type": "t", "properties": [1]}),
    ("properties null", {"customer_id": "c", "type": "t", "properties": None}),
    ("bad time", {"customer_id": "c", "type": "t", "occurred_at": "yesterday"}),
    ("time as a number", {"customer_id": "c", "type": "t", "occurred_at": 1}),
    ("key null", {"customer_id": "c", "type": "t", "idempotency_key": None}),
    ("key too long", {"customer_id": "c", "type": "t", "idempotency_key": "k" * 201}),
    ("not an object", ["c", "t"]),
])
def test_anything_else_goes_to_the_serializer(case, data) -> None:
    assert event_in_plain(data) is None


def test_a_plain_batch_gives_the_batch_serializers_result() -> None:
    data = {"events": [{"customer_id": f"c-{i}", "type": "t", "idempotency_key": f"k-{i}",
                        "properties": {"i": i}} for i in range(3)]}
    serializer = EventBatchInSerializer(data=data)
    assert serializer.is_valid()
    assert events_in_plain(data) == [dict(e) for e in serializer.validated_data["events"]]


@pytest.mark.parametrize("case, data", [
    ("empty", {"events": []}),
    ("over the limit", {"events": [{"customer_id": "c", "type": "t"}] * 1001}),
    ("not a list", {"events": {"customer_id": "c", "type": "t"}}),
    ("one bad event", {"events": [{"customer_id": "c", "type": "t"}, {"type": "t"}]}),
])
def test_batches_that_are_not_plain_go_to_the_serializer(case, data) -> None:
    assert events_in_plain(data) is None


_text = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["c-1", "purchase", "Order Completed", " x", "x ", "\tx", "x\n", "",
                     "   ", "a\x00", "é", "\ud800", "x" * 255, "x" * 256, "a\x1fb", "a\x7f"]),
    st.integers(-3, 3), st.floats(allow_nan=False), st.booleans(), st.none(),
)
_time = st.one_of(
    st.sampled_from(["2026-03-01T12:00:00Z", "2026-03-01T12:00:00+05:30", "2026-03-01",
                     "2026-03-01 12:00", "2026-02-30T00:00:00Z", "", "now", "2026-03-01T25:00"]),
    st.datetimes().map(lambda d: d.isoformat()), st.integers(), st.none())
_properties = st.one_of(st.dictionaries(st.text(max_size=3), st.integers() | st.none(),
                                        max_size=3),
                        st.lists(st.integers(), max_size=2), st.none(), st.text(max_size=2))


@st.composite
def _events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for name, values in [("customer_id", _text), ("type", _text), ("properties", _properties),
                         ("occurred_at", _time), ("idempotency_key", _text)]:
        if draw(st.booleans()) or (name in ("customer_id", "type") and draw(st.booleans())):
            event[name] = draw(values)
    return event


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_events())
def test_whatever_the_plain_path_accepts_the_serializer_accepts_identically(event) -> None:
    plain = event_in_plain(event)
    if plain is not None:
        assert serialized(event) == plain
