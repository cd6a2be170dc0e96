"""The per-customer event summaries (apps/customers/event_stats.py): the triggers keep
them equal to a recount from the events table on every write path, and metric conditions
read from them give exactly what the Python evaluator gives, including customers with
events after `now` and with more events than the summary keeps."""

from datetime import timedelta

import pytest
from django.db import connection

from apps.customers.conditions import condition_evaluate, condition_parse, condition_q
from apps.customers.erasure import customer_erase
from apps.customers.event_stats import RECENT_KEPT, TABLE, event_stats_rebuild
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event
from tests.customers.conditions_helpers import NOW

pytestmark = pytest.mark.django_db


def _stats() -> dict[tuple[int, str], tuple[int, list]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT customer_id, type, count, recent FROM {TABLE}")
        return {(c, t): (n, list(recent)) for c, t, n, recent in cursor.fetchall()}


def _recounted() -> dict[tuple[int, str], tuple[int, list]]:
    expected: dict[tuple[int, str], list] = {}
    for customer_id, type_, at in Event.objects.values_list("customer_id", "type",
                                                            "occurred_at"):
        expected.setdefault((customer_id, type_), []).append(at)
    return {key: (len(times), sorted(times, reverse=True)[:RECENT_KEPT])
            for key, times in expected.items()}


def _event(customer: Customer, type_: str, hours_ago: float, key: str) -> Event:
    return Event(customer=customer, type=type_, occurred_at=NOW - timedelta(hours=hours_ago),
                 received_at=NOW, idempotency_key=key)


def test_every_write_path_keeps_the_summaries_equal_to_a_recount():
    # ingest, with a repeated key that must not count twice
    events_ingest([EventIn("ann", "purchase", occurred_at=NOW - timedelta(days=d),
                           idempotency_key=f"a{d}") for d in range(RECENT_KEPT + 4)])
    events_ingest([EventIn("ann", "purchase", idempotency_key="a0"),
                   EventIn("bob", "login", occurred_at=NOW, idempotency_key="b0")])
    assert _stats() == _recounted()
    assert _stats()[(Customer.objects.get(external_id="ann").pk, "purchase")][0] == 20

    # ORM writes: create, bulk_create, updates of time, type and customer, deletes
    ann, bob = Customer.objects.get(external_id="ann"), Customer.objects.get(external_id="bob")
    Event.objects.create(customer=bob, type="login", occurred_at=NOW + timedelta(days=1),
                         received_at=NOW, idempotency_key="b1")
    Event.objects.bulk_create([_event(bob, "purchase", h, f"bp{h}") for h in (1, 50, 3)])
    assert _stats() == _recounted()
    # older than the newest kept (a merge), and newer (a concatenation)
    Event.objects.bulk_create([_event(bob, "purchase", h, f"bq{h}") for h in (2, 70)])
    Event.objects.bulk_create([_event(bob, "purchase", h, f"br{h}") for h in (0, -1)])
    events_ingest([EventIn("ann", "purchase", occurred_at=NOW - timedelta(days=d, hours=1),
                           idempotency_key=f"late{d}") for d in (0, 3, 40)])
    assert _stats() == _recounted()
    Event.objects.filter(idempotency_key="a5").update(occurred_at=NOW + timedelta(hours=2))
    Event.objects.filter(idempotency_key="a6").update(type="refund")
    Event.objects.filter(idempotency_key="bp1").update(customer=ann)
    Event.objects.filter(idempotency_key="b0").update(properties={"x": 1})  # no recount
    assert _stats() == _recounted()
    Event.objects.filter(idempotency_key__in=["a1", "a2", "bp3"]).delete()
    Event.objects.filter(idempotency_key="a6").delete()  # the only refund: row removed
    assert _stats() == _recounted()
    assert (ann.pk, "refund") not in _stats()

    # erasing a customer deletes their events and so their summaries
    customer_erase(ann)
    assert _stats() == _recounted()
    assert not any(customer_id == ann.pk for customer_id, _ in _stats())

    # TRUNCATE (the test database flush) empties them; a rebuild restores them
    events_ingest([EventIn("cy", "login", idempotency_key="c0")])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before it
        cursor.execute(f"TRUNCATE {Event._meta.db_table} CASCADE")
    assert _stats() == {}
    events_ingest([EventIn("cy", "login", idempotency_key="c1")])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    event_stats_rebuild()
    assert _stats() == _recounted() != {}


def _world() -> list[Customer]:
    """Customers whose purchase histories sit on the edges the summaries must get right:
    none, one, many (more than RECENT_KEPT), some in the future, only future ones."""
    histories = {
        "none": [],
        "one-old": [24 * 100],
        "one-edge": [24 * 30],
        "few": [1, 24 * 29, 24 * 31, 24 * 61],
        "many": [12 * i for i in range(RECENT_KEPT + 6)],
        "many-old": [24 * 40 + i for i in range(RECENT_KEPT + 2)],
        "future-and-past": [-5, -1, 24 * 2, 24 * 45, 24 * 70],
        "only-future": [-3, -30],
        "many-with-future": [-2, *[24 * i + 1 for i in range(RECENT_KEPT + 3)]],
    }
    customers = []
    for name, hours in histories.items():
        customer = Customer.objects.create(external_id=name)
        Event.objects.bulk_create([_event(customer, "purchase", h, f"{name}:{i}")
                                   for i, h in enumerate(hours)])
        customer.history = list(Event.objects.filter(customer=customer))
        customers.append(customer)
    return customers


@pytest.mark.parametrize("field,windows,values", [
    ("metrics.event_count", [None, "30d", "60d", "36h", "1d"],
     [0, 1, 2, 3, 5, RECENT_KEPT - 1, RECENT_KEPT, RECENT_KEPT + 1, RECENT_KEPT + 5]),
    ("metrics.days_since_last", [None], [0, 1, 2, 29, 30, 31, 45, 60, 61, 100]),
])
def test_summarised_metrics_agree_with_the_python_evaluator(field, windows, values):
    customers = _world()
    for window in windows:
        for value in values:
            for op in ["eq", "ne", "lt", "lte", "gt", "gte"]:
                raw = {"field": field, "op": op, "value": value, "event_type": "purchase",
                       **({"window": window} if window else {})}
                node = condition_parse(raw, root="customer")
                by_sql = set(Customer.objects.filter(condition_q(node, now=NOW))
                             .values_list("external_id", flat=True))
                by_python = {c.external_id for c in customers if condition_evaluate(
                    node, customer=c, events=c.history, now=NOW)}
                assert by_sql == by_python, raw


def test_metrics_compile_to_the_summaries_on_postgresql():
    node = condition_parse({"field": "metrics.event_count", "op": "gte", "value": 3,
                            "event_type": "purchase", "window": "365d"}, root="customer")
    sql = str(Customer.objects.filter(condition_q(node, now=NOW)).query)
    assert TABLE in sql and "GROUP BY" not in sql
