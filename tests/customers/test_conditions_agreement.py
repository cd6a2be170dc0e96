"""Property: for generated customers, events and conditions, the SQL evaluator selects
exactly the customers (root customer) and events (root event) that the Python evaluator
accepts. Real PostgreSQL; each example runs in a transaction that is rolled back.

The generators aim at the places evaluators disagree: mixed kinds under one key, nulls
and missing keys, numbers that are equal across int/float, strings that order differently
by collation, ISO dates in every accepted shape (and impossible ones), and times exactly
on the edges of windows and durations."""

from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.customers.conditions import condition_evaluate, condition_parse, condition_q
from apps.customers.models import Customer, Event
from tests.customers.conditions_helpers import NOW

TEXTS = ["", "pro", "Pro", "free", "a", "ab", "b", "10", "é", "z", "gold"]
# Integral floats, floats that are not exact in binary, and ints beyond float precision.
NUMBERS = [0, 1, 2, 10, -1, 0.5, 2.0, 0.1, 0.3, 0.30000000000000004, -1.25, 1e20, 2**60,
           float(2**60)]
FIXED_DATES = ["2026-06-20", "2026-05-01", "2026-02-30", "2026-06-15T25:00:00", "soon",
               "2028-02-29", "2026-06-15", "2026-06-14T12:00:00Z"]
OFFSETS = [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-11)),
           timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)),
           timezone(timedelta(hours=5, minutes=30))]
DURATION_HOURS = {"1h": 1, "12h": 12, "1d": 24, "36h": 36, "2d": 48, "7d": 168, "2w": 336,
                  "30d": 720, "60d": 1440}
# One duration per example, shared by the data and the conditions, so that times fall
# exactly on (and next to) the edges of windows, where off-by-one errors show.
edge = st.shared(st.sampled_from(sorted(DURATION_HOURS.items())), key="edge")
durations = st.one_of(edge.map(lambda e: e[0]), st.sampled_from(list(DURATION_HOURS)))
hours_around_now = st.one_of(
    edge.flatmap(lambda e: st.sampled_from([e[1], -e[1]])),
    edge.flatmap(lambda e: st.sampled_from([e[1], -e[1], e[1] - 1, 1 - e[1], e[1] + 1,
                                            -e[1] - 1])),
    st.integers(-24 * 40, 24 * 40),
)
event_hours_ago = st.one_of(
    edge.flatmap(lambda e: st.sampled_from([e[1], e[1] - 1, e[1] + 1])),
    edge.flatmap(lambda e: st.sampled_from([e[1], e[1] - 1, e[1] + 1])),
    st.integers(-48, -1),  # not happened yet at NOW
    st.integers(0, 24 * 100),
)
whole_days = st.one_of(edge.map(lambda e: e[1] // 24), st.sampled_from([0, 1, 2, 7, 30]))


def families(*weighted: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """Pick a family of leaves by weight. (st.one_of would flatten the families' own
    branches into one list and weigh each branch alike.)"""
    choices = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(0, len(choices) - 1).flatmap(lambda i: choices[i])


@st.composite
def valid_iso_dates(draw: st.DrawFn) -> str:
    """Dates around NOW in every accepted shape."""
    moment = NOW + timedelta(hours=draw(hours_around_now))
    shape = draw(st.sampled_from(["date", "naive", "offset", "z", "space"]))
    if shape == "date":
        return moment.date().isoformat()
    if shape == "naive":
        return moment.replace(tzinfo=None).isoformat(timespec="minutes")
    if shape == "z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    local = moment.astimezone(draw(st.sampled_from(OFFSETS))).isoformat(timespec="seconds")
    return local.replace("T", " ") if shape == "space" else local


def iso_dates() -> st.SearchStrategy[str]:
    """Mostly valid dates, some impossible or odd ones."""
    return families((3, valid_iso_dates()), (1, st.sampled_from(FIXED_DATES)))


scalars = families((1, st.sampled_from(TEXTS)), (1, st.sampled_from(NUMBERS)),
                   (1, st.booleans()), (1, iso_dates()))
json_values = families(
    (6, scalars), (2, st.none()),
    (1, st.lists(scalars | st.lists(scalars, max_size=2), max_size=3)),
    (1, st.fixed_dictionaries({}, optional={"x": scalars, "y": scalars})),
)
# Any key may hold any kind (or be missing); "d" mostly holds dates.
_others = {"plan": json_values, "n": json_values, "l": json_values, "o": json_values}
documents = families(
    (3, st.fixed_dictionaries({"d": families((3, iso_dates()), (1, json_values))},
                              optional=_others)),
    (1, st.fixed_dictionaries({}, optional=_others)),
)


@st.composite
def customers(draw: st.DrawFn, index: int) -> dict[str, Any]:
    return {
        "external_id": f"c{index}",
        "email": draw(st.sampled_from(["", "a@x.io", "b@y.io"])),
        "first_name": draw(st.sampled_from(TEXTS)),
        "tier": draw(st.sampled_from(["", "gold", "silver"])),
        "attributes": draw(documents),
        "tags": draw(st.lists(st.sampled_from(["vip", "b2b", "new"]), unique=True, max_size=3)),
        "consent": draw(st.fixed_dictionaries({}, optional={"email": st.fixed_dictionaries(
            {"status": st.sampled_from(["granted", "denied"]), "at": iso_dates()})})),
        "churn_score": draw(st.none() | st.sampled_from([0.1, 0.5, 0.8, 1.0])),
        "clv": draw(st.none() | st.sampled_from(
            [Decimal("0.10"), Decimal("10.10"), Decimal("120.50"), Decimal("-3.25")])),
        "last_seen_at": draw(st.none() | hours_around_now.map(lambda h: NOW + timedelta(hours=h))),
        "created_at": NOW - timedelta(hours=abs(draw(hours_around_now))),
        "events": draw(st.lists(st.tuples(
            st.sampled_from(["purchase", "login"]),
            event_hours_ago,
            documents,
        ), max_size=5)),
    }


worlds = st.integers(3, 7).flatmap(lambda n: st.tuples(*(customers(i) for i in range(n))))

JSON_FIELDS = ["customer.attributes.plan", "customer.attributes.n", "customer.attributes.d",
               "customer.attributes.l", "customer.attributes.o", "customer.attributes.o.x",
               "customer.attributes.missing", "customer.consent.email.status",
               "customer.consent.email.at"]
EVENT_JSON_FIELDS = ["event.properties.plan", "event.properties.n", "event.properties.d"]
COMPARISONS = ["eq", "ne", "lt", "lte", "gt", "gte"]


def _leaf(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    return {"field": field, "op": op, **({} if value is None else {"value": value}), **extra}


def json_leaves(fields: list[str], date_fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    field = st.sampled_from(fields)
    return st.one_of(
        st.builds(_leaf, field, st.sampled_from(["eq", "ne", "contains"]), scalars),
        st.builds(_leaf, field, st.sampled_from(["in", "not_in"]),
                  st.lists(scalars, min_size=1, max_size=3)),
        st.builds(_leaf, field, st.sampled_from(["lt", "lte", "gt", "gte"]),
                  st.sampled_from(TEXTS) | st.sampled_from(NUMBERS) | iso_dates()),
        st.builds(_leaf, field, st.sampled_from(["exists", "not_exists"])),
        st.builds(_leaf, st.sampled_from([*date_fields * 4, *fields]),
                  st.sampled_from(["within_last", "before", "within_next"]), durations),
        st.builds(_leaf, st.sampled_from(date_fields),
                  st.sampled_from(["within_last", "before", "within_next"]), durations),
    )


def column_leaves(text_fields: list[str], moment_fields: list[str]) -> st.SearchStrategy:
    text = st.sampled_from(text_fields)
    numbers = st.sampled_from(["customer.churn_score", "customer.clv"])
    moments = st.sampled_from(moment_fields)
    number_values = st.sampled_from([0, 0.1, 0.5, 0.8, 10.1, 120.5, -3.25, 1000])
    return st.one_of(
        st.builds(_leaf, text, st.sampled_from([*COMPARISONS, "contains"]),
                  st.sampled_from([*TEXTS, "a@x.io", "@", "purchase"])),
        st.builds(_leaf, text, st.sampled_from(["in", "not_in"]),
                  st.lists(st.sampled_from([*TEXTS, "login"]), min_size=1, max_size=3)),
        st.builds(_leaf, text, st.sampled_from(["exists", "not_exists"])),
        st.builds(_leaf, numbers, st.sampled_from(COMPARISONS), number_values),
        st.builds(_leaf, numbers, st.sampled_from(["in", "not_in"]),
                  st.lists(number_values, min_size=1, max_size=2)),
        st.builds(_leaf, numbers, st.sampled_from(["exists", "not_exists"])),
        st.builds(_leaf, moments, st.sampled_from(["within_last", "before", "within_next"]),
                  durations),
        st.builds(_leaf, moments, st.sampled_from(COMPARISONS),
                  valid_iso_dates()),
        st.builds(_leaf, moments, st.sampled_from(["exists", "not_exists"])),
        st.builds(_leaf, st.just("customer.tags"), st.just("contains"),
                  st.sampled_from(["vip", "new", "x"])),
        st.builds(_leaf, st.just("customer.tags"), st.sampled_from(["exists", "not_exists"])),
    )


metric_leaves = st.one_of(
    st.builds(lambda t, op, v, w: _leaf("metrics.event_count", op, v, event_type=t,
                                        **({"window": w} if w else {})),
              st.sampled_from(["purchase", "login"]), st.sampled_from(COMPARISONS),
              st.integers(0, 3), st.none() | durations),
    st.builds(lambda t, op, v: _leaf("metrics.days_since_last", op, v, event_type=t),
              st.sampled_from(["purchase", "login"]), st.sampled_from(COMPARISONS), whole_days),
)


def trees(leaves: st.SearchStrategy) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly single leaves (they discriminate best), some groups and deeper trees."""
    groups = st.recursive(leaves, lambda inner: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(inner, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(inner, max_size=3)),
        st.builds(lambda item: {"not": item}, inner),
    ), max_leaves=5)
    return st.one_of(leaves, leaves, groups)


customer_conditions = trees(families(
    (3, json_leaves(JSON_FIELDS, ["customer.attributes.d", "customer.consent.email.at"])),
    (3, column_leaves(["customer.tier", "customer.email", "customer.first_name"],
                      ["customer.last_seen_at", "customer.created_at"])),
    (2, metric_leaves),
))
event_conditions = trees(families(
    (3, json_leaves(EVENT_JSON_FIELDS + JSON_FIELDS[:3],
                    ["event.properties.d", "customer.attributes.d"])),
    (3, column_leaves(["event.type", "customer.tier"],
                      ["event.occurred_at", "customer.last_seen_at"])),
    (1, metric_leaves),
))


def _store(world: tuple[dict[str, Any], ...]) -> tuple[list[Customer], list[Event]]:
    customers_ = [Customer(**{k: v for k, v in spec.items() if k not in ("events", "created_at")})
                  for spec in world]
    Customer.objects.bulk_create(customers_)
    for customer, spec in zip(customers_, world, strict=True):
        customer.created_at = spec["created_at"]
        Customer.objects.filter(pk=customer.pk).update(created_at=spec["created_at"])
    events = [
        Event(customer=customer, type=type_, occurred_at=NOW - timedelta(hours=hours),
              received_at=NOW, properties=properties, idempotency_key=f"{customer.pk}:{i}")
        for customer, spec in zip(customers_, world, strict=True)
        for i, (type_, hours, properties) in enumerate(spec["events"])
    ]
    Event.objects.bulk_create(events)
    return customers_, events


@pytest.mark.django_db
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(world=worlds, for_customers=st.lists(customer_conditions, min_size=3, max_size=6),
       for_events=st.lists(event_conditions, min_size=1, max_size=3))
def test_sql_and_python_evaluators_agree(world, for_customers, for_events) -> None:
    with transaction.atomic():
        # Given customers and events stored in PostgreSQL
        in_memory, events = _store(world)
        stored = {c.pk: c for c in Customer.objects.filter(pk__in=[c.pk for c in in_memory])}
        stored_events = list(Event.objects.filter(pk__in=[e.pk for e in events]))
        history = {c.pk: [e for e in events if e.customer_id == c.pk] for c in in_memory}

        # then each customer condition selects in SQL whom Python accepts (also on the
        # unsaved objects, whose numbers PostgreSQL has not normalised yet)
        for raw in for_customers:
            node = condition_parse(raw, root="customer")
            by_sql = set(Customer.objects.filter(pk__in=stored)
                         .filter(condition_q(node, root="customer", now=NOW))
                         .values_list("pk", flat=True))
            by_python = {pk for pk, customer in stored.items() if condition_evaluate(
                node, customer=customer, events=history[pk], now=NOW)}
            by_python_unsaved = {c.pk for c in in_memory if condition_evaluate(
                node, customer=c, events=history[c.pk], now=NOW)}
            assert by_sql == by_python == by_python_unsaved, raw

        # and each event condition selects the same events both ways
        for raw in for_events:
            node = condition_parse(raw, root="event")
            by_sql = set(Event.objects.filter(pk__in=[e.pk for e in events])
                         .filter(condition_q(node, root="event", now=NOW))
                         .values_list("pk", flat=True))
            by_python = {event.pk for event in stored_events if condition_evaluate(
                node, customer=stored[event.customer_id], event=event,
                events=history[event.customer_id], now=NOW)}
            assert by_sql == by_python, raw
        transaction.set_rollback(True)
