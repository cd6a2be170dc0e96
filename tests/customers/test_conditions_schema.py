"""Validation of the condition language: every error names its path inside the condition."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from apps.customers.conditions import (
    Condition,
    ConditionError,
    ConditionIssue,
    condition_parse,
    condition_validate,
)
from apps.customers.conditions.nodes import All, Leaf, Op
from apps.customers.conditions.values import duration_parse, iso_datetime
from tests.customers.conditions_helpers import leaf

PLAN = leaf("customer.attributes.plan", "eq", "pro")

INVALID = [
    ("not-an-object", "plan = pro", "customer", [("", "model_type")]),
    ("empty-object", {}, "customer", [("", "invalid_node")]),
    ("group-and-leaf", {"all": [], "field": "customer.tier"}, "customer", [("", "invalid_node")]),
    ("two-groups", {"all": [], "any": []}, "customer", [("", "invalid_node")]),
    ("group-not-a-list", {"all": PLAN}, "customer", [("all", "list_type")]),
    ("item-not-an-object", {"any": [PLAN, 3]}, "customer", [("any.1", "model_type")]),
    ("unknown-key", {**PLAN, "values": [1]}, "customer", [("values", "extra_forbidden")]),
    ("field-missing", {"op": "eq", "value": 1}, "customer", [("field", "required")]),
    ("field-not-text", leaf(5, "eq", 1), "customer", [("field", "string_type")]),
    ("field-unknown-scope", leaf("profile.plan", "eq", 1), "customer",
     [("field", "unknown_field")]),
    ("field-unknown-profile", {"any": [leaf("customer.plan", "eq", "x")]}, "customer",
     [("any.0.field", "unknown_field")]),
    ("field-attributes-without-key", leaf("customer.attributes", "exists"), "customer",
     [("field", "unknown_field")]),
    ("field-bad-key", leaf("customer.attributes.my plan", "exists"), "customer",
     [("field", "unknown_field")]),
    ("field-too-deep", leaf("customer.attributes.a.b.c.d.e.f", "exists"), "customer",
     [("field", "unknown_field")]),
    ("field-consent-channel", leaf("customer.consent.fax.status", "eq", "granted"), "customer",
     [("field", "unknown_field")]),
    ("field-unknown-metric", leaf("metrics.revenue", "gt", 1), "customer",
     [("field", "unknown_field")]),
    ("event-field-in-segment", {"not": leaf("event.type", "eq", "purchase")}, "customer",
     [("not.field", "not_allowed")]),
    ("op-missing", {"field": "customer.tier", "value": "gold"}, "customer", [("op", "required")]),
    ("op-unknown", {"all": [PLAN, PLAN, leaf("customer.tier", "like", "g%")]}, "customer",
     [("all.2.op", "enum")]),
    ("op-wrong-for-tags", leaf("customer.tags", "eq", "vip"), "customer", [("op", "invalid_op")]),
    ("op-wrong-for-number", leaf("customer.clv", "contains", 1), "customer",
     [("op", "invalid_op")]),
    ("op-relative-on-text", leaf("customer.tier", "within_last", "30d"), "customer",
     [("op", "invalid_op")]),
    ("value-missing", leaf("customer.tier", "eq"), "customer", [("value", "invalid_value")]),
    ("value-null", leaf("customer.tier", "eq", None), "customer", [("value", "invalid_value")]),
    ("value-on-exists", leaf("customer.tier", "exists", "gold"), "customer",
     [("value", "invalid_value")]),
    ("value-object", leaf("customer.attributes.plan", "eq", {"a": 1}), "customer",
     [("value", "invalid_value")]),
    ("value-list-for-eq", leaf("customer.attributes.plan", "eq", ["pro"]), "customer",
     [("value", "invalid_value")]),
    ("value-empty-in", leaf("customer.attributes.plan", "in", []), "customer",
     [("value", "invalid_value")]),
    ("value-in-not-list", leaf("customer.attributes.plan", "in", "pro"), "customer",
     [("value", "invalid_value")]),
    ("value-in-bad-item", leaf("customer.attributes.plan", "in", ["pro", ["x"]]), "customer",
     [("value", "invalid_value")]),
    ("value-text-for-number", leaf("customer.churn_score", "gt", "0.5"), "customer",
     [("value", "invalid_value")]),
    ("value-number-for-text", leaf("customer.tier", "eq", 1), "customer",
     [("value", "invalid_value")]),
    ("value-bool-ordering", leaf("customer.attributes.active", "gt", False), "customer",
     [("value", "invalid_value")]),
    ("value-bool-on-column", leaf("customer.clv", "eq", True), "customer",
     [("value", "invalid_value")]),
    ("value-duration", leaf("customer.last_seen_at", "within_last", "30 days"), "customer",
     [("value", "invalid_value")]),
    ("value-duration-zero", leaf("customer.last_seen_at", "within_last", "0d"), "customer",
     [("value", "invalid_value")]),
    ("value-duration-too-long", leaf("customer.last_seen_at", "before", "99999w"), "customer",
     [("value", "invalid_value")]),
    ("value-date-for-datetime", leaf("customer.created_at", "gt", "last week"), "customer",
     [("value", "invalid_value")]),
    ("value-impossible-date", leaf("customer.created_at", "gt", "2026-02-30"), "customer",
     [("value", "invalid_value")]),
    ("value-text-too-long", leaf("customer.tier", "eq", "x" * 1001), "customer",
     [("value", "invalid_value")]),
    ("metric-needs-event-type", leaf("metrics.event_count", "gte", 1), "customer",
     [("event_type", "invalid_value")]),
    ("metric-bad-event-type", leaf("metrics.event_count", "gte", 1, event_type="a b"),
     "customer", [("event_type", "invalid_value")]),
    ("metric-count-negative", leaf("metrics.event_count", "gte", -1, event_type="purchase"),
     "customer", [("value", "invalid_value")]),
    ("metric-count-fraction", leaf("metrics.event_count", "gte", 1.5, event_type="purchase"),
     "customer", [("value", "invalid_value")]),
    ("metric-op", leaf("metrics.days_since_last", "in", [1], event_type="purchase"),
     "customer", [("op", "invalid_op")]),
    ("metric-window-on-days", leaf("metrics.days_since_last", "gt", 1, event_type="purchase",
                                   window="30d"), "customer", [("window", "not_allowed")]),
    ("metric-bad-window", leaf("metrics.event_count", "gt", 1, event_type="purchase",
                               window="1 month"), "customer", [("window", "invalid_value")]),
    ("event-type-on-field", {**PLAN, "event_type": "purchase"}, "customer",
     [("event_type", "not_allowed")]),
    ("window-on-field", {**PLAN, "window": "30d"}, "customer", [("window", "not_allowed")]),
    ("segment-over-segment-events",
     leaf("metrics.event_count", "gte", 1, event_type="segment.entered"), "segment",
     [("event_type", "not_allowed")]),
    ("several-errors", {"all": [leaf("customer.nope", "eq", 1), leaf("customer.tier", "gt")]},
     "customer", [("all.0.field", "unknown_field"), ("all.1.value", "invalid_value")]),
    ("too-deep", {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {"not": {
        "not": {"not": PLAN}}}}}}}}}}}, "customer",
     [("not.not.not.not.not.not.not.not.not.not", "too_large")]),
    ("too-many-nodes", {"any": [PLAN] * 301}, "customer", [("", "too_large")]),
]


@pytest.mark.parametrize(("condition", "context", "expected"),
                         [pytest.param(c, ctx, e, id=i) for i, c, ctx, e in INVALID])
def test_invalid_conditions_name_each_faulty_path(condition, context, expected) -> None:
    # When an invalid condition is validated
    with pytest.raises(ConditionError) as caught:
        condition_parse(condition, root="customer", segment=context == "segment")
    # then each issue names its path and a code, with a message for people
    assert [(issue.path, issue.code) for issue in caught.value.issues] == expected
    assert all(issue.message for issue in caught.value.issues)


def test_messages_say_what_is_valid() -> None:
    with pytest.raises(ConditionError) as caught:
        condition_parse(leaf("customer.tags", "eq", "vip"))
    assert caught.value.issues == [ConditionIssue(
        "op", "invalid_op", "eq does not apply to customer.tags; use one of: contains, exists, "
        "not_exists")]


def test_event_fields_are_valid_for_event_conditions() -> None:
    node = condition_parse({"all": [leaf("event.type", "eq", "feedback.submitted"),
                                    leaf("event.properties.score", "lte", 6)]})
    assert isinstance(node, All)
    assert [item.ref.name for item in node.items if isinstance(item, Leaf)] == [
        "event.type", "event.properties.score"]


@pytest.mark.parametrize(("condition", "expected_value"), [
    pytest.param(leaf("customer.attributes.n", "eq", 2.0), 2, id="integral-float-is-int"),
    pytest.param(leaf("customer.attributes.n", "eq", 2.5), 2.5, id="float"),
    pytest.param(leaf("customer.attributes.n", "in", ["a", 1.0]), ("a", 1), id="in-tuple"),
    pytest.param(leaf("customer.last_seen_at", "before", "2w"), timedelta(weeks=2),
                 id="duration"),
    pytest.param(leaf("customer.created_at", "gte", "2026-03-01"),
                 datetime(2026, 3, 1, tzinfo=UTC), id="date-midnight-utc"),
    pytest.param(leaf("customer.created_at", "gte", "2026-03-01T10:00:00+02:00"),
                 datetime(2026, 3, 1, 8, tzinfo=UTC), id="datetime-offset"),
    pytest.param(leaf("customer.tier", "exists"), None, id="no-value"),
])
def test_values_are_typed_for_their_field(condition, expected_value) -> None:
    node = condition_parse(condition)
    assert isinstance(node, Leaf)
    assert node.value == expected_value


def test_window_and_event_type_are_parsed() -> None:
    node = condition_parse(leaf("metrics.event_count", "gte", 3, event_type="purchase",
                                window="30d"))
    assert node == Leaf(node.ref, Op.GTE, 3, "purchase", timedelta(days=30))


def test_canonical_form_drops_absent_keys_and_round_trips() -> None:
    raw = {"all": [leaf("customer.tier", "exists"),
                   {"not": leaf("customer.attributes.plan", "in", ["pro", 1])}]}
    validated = condition_validate(raw)
    assert validated.wire() == raw
    assert condition_validate(validated).wire() == raw
    assert Condition.model_validate(raw).node() == condition_parse(raw)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
    ("2026-03-01T09:30", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
    ("2026-03-01 09:30:15.5Z", datetime(2026, 3, 1, 9, 30, 15, 500000, tzinfo=UTC)),
    ("2026-03-01T09:30:15-05:00", datetime(2026, 3, 1, 14, 30, 15, tzinfo=UTC)),
    ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
    ("2000-02-29", datetime(2000, 2, 29, tzinfo=UTC)),
    ("1900-02-29", None),
    ("2026-02-29", None),
    ("2026-04-31", None),
    ("2026-13-01", None),
    ("2026-03-01T24:00", None),
    ("2026-03-01T09:30:60", None),
    ("2026-03-01T09:30+15:00", None),
    ("2026-03-01Z", None),
    ("2026-3-1", None),
    ("20260301", None),
    ("2026-03-01\n", None),
    ("\uff12\uff10\uff12\uff16-03-01", None),  # full-width digits
    ("0999-01-01", None),
    ("", None),
    (20260301, None),
], ids=repr)
def test_iso_dates_have_one_strict_shape(text, expected) -> None:
    assert iso_datetime(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("90m", timedelta(minutes=90)), ("12h", timedelta(hours=12)), ("30d", timedelta(days=30)),
    ("2w", timedelta(weeks=2)),
])
def test_durations(text, expected) -> None:
    assert duration_parse(text) == expected


@pytest.mark.parametrize("text", ["", "d", "30", "30D", "-1d", "1.5d", "1y", "01d", " 1d"])
def test_bad_durations(text) -> None:
    with pytest.raises(ValueError, match="duration"):
        duration_parse(text)


def _documented_conditions() -> list[dict]:
    text = (Path(__file__).parents[2] / "docs" / "conditions.md").read_text()
    decoder = json.JSONDecoder()
    found = []
    for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL):
        rest = block.strip()
        while rest:
            value, end = decoder.raw_decode(rest)
            found.append(value)
            rest = rest[end:].strip()
    return [value for value in found if "detail" not in value]


def test_documented_examples_are_valid() -> None:
    examples = _documented_conditions()
    assert len(examples) == 10
    for example in examples:
        condition_parse(example)
