"""Every operator, table-driven, through both evaluators: SQL (PostgreSQL) and Python
must give the expected answer for the same customer and event."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.customers.conditions import condition_evaluate, condition_parse, condition_q
from apps.customers.models import Customer, Event
from tests.customers.conditions_helpers import NOW, leaf

ATTRIBUTES = {
    "plan": "pro",
    "nps": 5,
    "score": 7.5,
    "active": True,
    "nothing": None,
    "count_text": "10",
    "labels": ["a", 1, True, ["nested"]],
    "address": {"city": "Berlin", "zip": "10115"},
    "contract_end": "2026-07-01",
    "renewed_at": "2026-06-10T08:00:00+02:00",
    "bad_date": "2026-02-30",
    "not_a_date": "soon",
    "leap_day": "2028-02-29",
    "late_local": "2026-07-16T01:30:00+14:00",  # 2026-07-15T11:30Z, next day locally
    "early_local": "2026-06-07T22:30:00-14:00",  # 2026-06-08T12:30Z, day before locally
    "naive_edge": "2026-06-08T12:00",  # exactly 7 days before NOW, read as UTC
    "naive_outside": "2026-06-08T11:59",
}


def _customer() -> Customer:
    return Customer(
        external_id="ann",
        email="ann@example.com",
        first_name="Ann",
        tier="gold",
        churn_score=0.8,
        clv=Decimal("120.10"),
        tags=["vip", "b2b"],
        consent={"email": {"status": "granted", "source": "web", "at": "2026-01-10T09:00:00Z"}},
        attributes=dict(ATTRIBUTES),
        last_seen_at=NOW - timedelta(days=3),
        created_at=NOW - timedelta(days=400),
        updated_at=NOW,
    )


def _events(customer: Customer) -> list[Event]:
    def event(key: str, type_: str, days_ago: float, **properties: Any) -> Event:
        at = NOW - timedelta(days=days_ago)
        return Event(customer=customer, type=type_, occurred_at=at, received_at=at,
                     idempotency_key=key, properties=properties)

    return [
        event("p1", "purchase", 70, amount=20),
        event("p2", "purchase", 10, amount=35.5),
        event("p3", "purchase", 1.5, amount=12),
        event("f1", "feedback.submitted", 0.5, score=4, comment="late delivery"),
        event("future", "purchase", -2),  # not happened yet at NOW: metrics ignore it
    ]


CUSTOMER_CASES = [
    # eq / ne: same kind and equal; ne is exactly "not eq" (missing counts as not equal)
    ("eq-string", leaf("customer.attributes.plan", "eq", "pro"), True),
    ("eq-string-differs", leaf("customer.attributes.plan", "eq", "free"), False),
    ("eq-int-float", leaf("customer.attributes.nps", "eq", 5.0), True),
    ("eq-float", leaf("customer.attributes.score", "eq", 7.5), True),
    ("eq-bool", leaf("customer.attributes.active", "eq", True), True),
    ("eq-bool-is-not-number", leaf("customer.attributes.active", "eq", 1), False),
    ("eq-number-is-not-text", leaf("customer.attributes.count_text", "eq", 10), False),
    ("eq-missing", leaf("customer.attributes.absent", "eq", "x"), False),
    ("eq-null", leaf("customer.attributes.nothing", "eq", "x"), False),
    ("eq-nested", leaf("customer.attributes.address.city", "eq", "Berlin"), True),
    ("eq-through-non-object", leaf("customer.attributes.plan.name", "eq", "pro"), False),
    ("ne-differs", leaf("customer.attributes.plan", "ne", "free"), True),
    ("ne-same", leaf("customer.attributes.plan", "ne", "pro"), False),
    ("ne-missing", leaf("customer.attributes.absent", "ne", "x"), True),
    ("ne-other-kind", leaf("customer.attributes.count_text", "ne", 10), True),
    # ordering: numbers with numbers, strings with strings (by code point)
    ("lt-number", leaf("customer.attributes.nps", "lt", 6), True),
    ("lt-number-equal", leaf("customer.attributes.nps", "lt", 5), False),
    ("lte-number-equal", leaf("customer.attributes.nps", "lte", 5), True),
    ("gt-float", leaf("customer.attributes.score", "gt", 7.25), True),
    ("gte-float", leaf("customer.attributes.score", "gte", 7.6), False),
    ("gt-text-vs-number", leaf("customer.attributes.count_text", "gt", 5), False),
    ("gt-bool-vs-number", leaf("customer.attributes.active", "gt", 0), False),
    ("lt-number-vs-text", leaf("customer.attributes.nps", "lt", "9"), False),
    ("lt-text", leaf("customer.attributes.plan", "lt", "q"), True),
    ("lt-text-code-point", leaf("customer.attributes.plan", "lt", "Z"), False),
    ("gte-text-prefix", leaf("customer.attributes.plan", "gte", "pr"), True),
    ("lt-missing", leaf("customer.attributes.absent", "lt", 100), False),
    # in / not_in
    ("in-hit", leaf("customer.attributes.plan", "in", ["free", "pro"]), True),
    ("in-single", leaf("customer.attributes.plan", "in", ["pro"]), True),
    ("in-miss", leaf("customer.attributes.plan", "in", ["free", "basic"]), False),
    ("in-kinds", leaf("customer.attributes.nps", "in", ["5", True, 5.0]), True),
    ("in-kind-mismatch", leaf("customer.attributes.nps", "in", ["5", True]), False),
    ("not_in-hit", leaf("customer.attributes.plan", "not_in", ["free"]), True),
    ("not_in-miss", leaf("customer.attributes.plan", "not_in", ["pro", "free"]), False),
    ("not_in-missing", leaf("customer.attributes.absent", "not_in", ["x"]), True),
    # contains: substring of a string, or an element of a list
    ("contains-substring", leaf("customer.attributes.plan", "contains", "ro"), True),
    ("contains-substring-case", leaf("customer.attributes.plan", "contains", "RO"), False),
    ("contains-element-text", leaf("customer.attributes.labels", "contains", "a"), True),
    ("contains-element-number", leaf("customer.attributes.labels", "contains", 1), True),
    ("contains-element-bool", leaf("customer.attributes.labels", "contains", True), True),
    ("contains-element-kind", leaf("customer.attributes.labels", "contains", "1"), False),
    ("contains-not-nested", leaf("customer.attributes.labels", "contains", "nested"), False),
    ("contains-number-in-text", leaf("customer.attributes.count_text", "contains", 1), False),
    ("contains-in-object", leaf("customer.attributes.address", "contains", "Berlin"), False),
    # exists / not_exists: null counts as missing
    ("exists", leaf("customer.attributes.plan", "exists"), True),
    ("exists-null", leaf("customer.attributes.nothing", "exists"), False),
    ("exists-object", leaf("customer.attributes.address", "exists"), True),
    ("not_exists-missing", leaf("customer.attributes.absent", "not_exists"), True),
    ("not_exists-present", leaf("customer.attributes.plan", "not_exists"), False),
    # relative dates on ISO strings (date-only = midnight UTC); a bad date is never a date
    ("within_next-date", leaf("customer.attributes.contract_end", "within_next", "30d"), True),
    ("within_next-short", leaf("customer.attributes.contract_end", "within_next", "2w"), False),
    ("within_next-edge", leaf("customer.attributes.contract_end", "within_next", "372h"), True),
    ("within_next-edge-minus", leaf("customer.attributes.contract_end", "within_next", "371h"),
     False),
    ("within_last-offset", leaf("customer.attributes.renewed_at", "within_last", "7d"), True),
    ("within_last-too-short", leaf("customer.attributes.renewed_at", "within_last", "5d"), False),
    ("before", leaf("customer.attributes.renewed_at", "before", "5d"), True),
    ("before-future", leaf("customer.attributes.contract_end", "before", "1d"), False),
    ("date-invalid-day", leaf("customer.attributes.bad_date", "before", "1d"), False),
    ("date-invalid-negated", {"not": leaf("customer.attributes.bad_date", "before", "1d")}, True),
    ("date-not-a-date", leaf("customer.attributes.not_a_date", "within_next", "100w"), False),
    ("date-number", leaf("customer.attributes.nps", "before", "1d"), False),
    ("date-leap-day", leaf("customer.attributes.leap_day", "within_next", "100w"), True),
    ("date-offset-next-day", leaf("customer.attributes.late_local", "within_next", "30d"), True),
    ("date-offset-prev-day", leaf("customer.attributes.early_local", "within_last", "7d"), True),
    ("date-naive-edge-inclusive", leaf("customer.attributes.naive_edge", "within_last", "7d"),
     True),
    ("date-naive-outside", leaf("customer.attributes.naive_outside", "within_last", "7d"), False),
    ("date-before-edge-exclusive", leaf("customer.attributes.naive_edge", "before", "7d"), False),
    # profile columns
    ("text-eq", leaf("customer.tier", "eq", "gold"), True),
    ("text-ne", leaf("customer.tier", "ne", "gold"), False),
    ("text-in", leaf("customer.tier", "in", ["silver", "gold"]), True),
    ("text-not_in", leaf("customer.external_id", "not_in", ["bob"]), True),
    ("text-contains", leaf("customer.email", "contains", "@example."), True),
    ("text-lt", leaf("customer.first_name", "lt", "B"), True),
    ("text-gte-code-point", leaf("customer.first_name", "gte", "a"), False),
    ("text-exists", leaf("customer.email", "exists"), True),
    ("text-blank-not-exists", leaf("customer.locale", "not_exists"), True),
    ("float-gte", leaf("customer.churn_score", "gte", 0.8), True),
    ("float-ne", leaf("customer.churn_score", "ne", 0.5), True),
    ("float-in", leaf("customer.churn_score", "in", [0.8, 0.9]), True),
    ("decimal-eq-float", leaf("customer.clv", "eq", 120.1), True),
    ("decimal-gt", leaf("customer.clv", "gt", 120.09), True),
    ("decimal-lte-float", leaf("customer.clv", "lte", 120.1), True),
    ("decimal-lt-int", leaf("customer.clv", "lt", 120), False),
    ("number-exists", leaf("customer.clv", "exists"), True),
    ("datetime-within_last", leaf("customer.last_seen_at", "within_last", "7d"), True),
    ("datetime-before", leaf("customer.created_at", "before", "52w"), True),
    ("datetime-within_next", leaf("customer.created_at", "within_next", "1d"), False),
    ("datetime-gt-iso", leaf("customer.last_seen_at", "gt", "2026-06-12"), True),
    ("datetime-lt-iso", leaf("customer.last_seen_at", "lt", "2026-06-12T12:00:00+02:00"), False),
    ("tags-contains", leaf("customer.tags", "contains", "vip"), True),
    ("tags-contains-miss", leaf("customer.tags", "contains", "churned"), False),
    ("tags-exists", leaf("customer.tags", "exists"), True),
    ("consent-eq", leaf("customer.consent.email.status", "eq", "granted"), True),
    ("consent-missing-channel", leaf("customer.consent.sms.status", "eq", "granted"), False),
    ("consent-stale", leaf("customer.consent.email.at", "before", "26w"), False),
    # metrics over the customer's events (up to now)
    ("count-window", leaf("metrics.event_count", "eq", 2, event_type="purchase", window="30d"),
     True),
    ("count-ever", leaf("metrics.event_count", "gte", 3, event_type="purchase"), True),
    ("count-ever-gt", leaf("metrics.event_count", "gt", 3, event_type="purchase"), False),
    ("count-lt", leaf("metrics.event_count", "lt", 1, event_type="purchase", window="5d"), False),
    ("count-lte", leaf("metrics.event_count", "lte", 1, event_type="purchase", window="5d"), True),
    ("count-none", leaf("metrics.event_count", "eq", 0, event_type="login"), True),
    ("count-ne", leaf("metrics.event_count", "ne", 3, event_type="purchase"), False),
    ("days-eq", leaf("metrics.days_since_last", "eq", 1, event_type="purchase"), True),
    ("days-gt", leaf("metrics.days_since_last", "gt", 60, event_type="purchase"), False),
    ("days-gt-edge", leaf("metrics.days_since_last", "gt", 1, event_type="purchase"), False),
    ("days-gte-edge", leaf("metrics.days_since_last", "gte", 1, event_type="purchase"), True),
    ("days-gte-next", leaf("metrics.days_since_last", "gte", 2, event_type="purchase"), False),
    ("days-lte", leaf("metrics.days_since_last", "lte", 1, event_type="purchase"), True),
    ("days-lt", leaf("metrics.days_since_last", "lt", 1, event_type="purchase"), False),
    ("days-gte-zero", leaf("metrics.days_since_last", "gte", 0, event_type="purchase"), True),
    ("days-never", leaf("metrics.days_since_last", "gt", 0, event_type="login"), False),
    ("days-never-ne", leaf("metrics.days_since_last", "ne", 5, event_type="login"), True),
    # groups
    ("all", {"all": [leaf("customer.tier", "eq", "gold"),
                     leaf("customer.attributes.nps", "lte", 6)]}, True),
    ("all-one-false", {"all": [leaf("customer.tier", "eq", "gold"),
                               leaf("customer.attributes.nps", "gt", 6)]}, False),
    ("any", {"any": [leaf("customer.tier", "eq", "silver"),
                     leaf("customer.attributes.nps", "lte", 6)]}, True),
    ("not", {"not": leaf("customer.tier", "eq", "gold")}, False),
    ("not-missing-lt", {"not": leaf("customer.attributes.absent", "lt", 1)}, True),
    ("nested-groups", {"any": [{"all": []}, {"not": {"any": []}}]}, True),
    ("all-empty", {"all": []}, True),
    ("any-empty", {"any": []}, False),
]

EVENT_CASES = [
    ("event-type", leaf("event.type", "eq", "feedback.submitted"), {"f1"}),
    ("event-property-lte", leaf("event.properties.score", "lte", 6), {"f1"}),
    ("event-property-contains", leaf("event.properties.comment", "contains", "late"), {"f1"}),
    ("event-property-missing-ne", leaf("event.properties.score", "ne", 4),
     {"p1", "p2", "p3", "future"}),
    ("event-amount-gt", leaf("event.properties.amount", "gt", 15), {"p1", "p2"}),
    ("event-occurred-within_last", leaf("event.occurred_at", "within_last", "2d"), {"p3", "f1"}),
    ("event-with-customer", {"all": [leaf("event.type", "eq", "purchase"),
                                     leaf("customer.tier", "eq", "gold"),
                                     leaf("metrics.event_count", "gte", 3,
                                          event_type="purchase")]},
     {"p1", "p2", "p3", "future"}),
]


@pytest.fixture
def stored(db) -> tuple[Customer, list[Event]]:
    customer = _customer()
    customer.save()
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - timedelta(days=400))
    events = _events(customer)
    Event.objects.bulk_create(events)
    return Customer.objects.get(pk=customer.pk), events


@pytest.mark.parametrize(("condition", "expected"),
                         [pytest.param(c, e, id=i) for i, c, e in CUSTOMER_CASES])
def test_customer_condition_on_postgresql(stored, condition, expected) -> None:
    # Given a stored customer with events, when both evaluators judge the condition
    customer, _ = stored
    node = condition_parse(condition, root="customer")
    in_sql = Customer.objects.filter(condition_q(node, root="customer", now=NOW)).exists()
    in_python = condition_evaluate(node, customer=customer, now=NOW)
    # then both give the expected answer
    assert (in_sql, in_python) == (expected, expected)


@pytest.mark.parametrize(("condition", "expected"),
                         [pytest.param(c, e, id=i) for i, c, e in EVENT_CASES])
def test_event_condition_on_postgresql(stored, condition, expected) -> None:
    customer, _ = stored
    node = condition_parse(condition, root="event")
    in_sql = set(Event.objects.filter(condition_q(node, root="event", now=NOW))
                 .values_list("idempotency_key", flat=True))
    in_python = {e.idempotency_key for e in Event.objects.all()
                 if condition_evaluate(node, customer=customer, event=e, now=NOW)}
    assert (in_sql, in_python) == (expected, expected)


def test_python_evaluator_uses_given_events_instead_of_the_database(db) -> None:
    # Given an unsaved customer (a dry run on a sample) and their events in memory
    customer = _customer()
    events = _events(customer)
    node = condition_parse(leaf("metrics.event_count", "eq", 2, event_type="purchase",
                                window="30d"), root="customer")
    # then metrics are computed from those events
    assert condition_evaluate(node, customer=customer, events=events, now=NOW) is True
    assert condition_evaluate(node, customer=customer, events=events[:1], now=NOW) is False


def test_event_fields_without_an_event_are_missing() -> None:
    customer = _customer()
    assert condition_evaluate(condition_parse(leaf("event.type", "eq", "x")),
                              customer=customer, now=NOW) is False
    assert condition_evaluate(condition_parse(leaf("event.type", "ne", "x")),
                              customer=customer, now=NOW) is True


def test_compiling_event_fields_over_customers_is_refused() -> None:
    node = condition_parse(leaf("event.type", "eq", "x"))
    with pytest.raises(ValueError, match="root='event'"):
        condition_q(node, root="customer", now=NOW)
