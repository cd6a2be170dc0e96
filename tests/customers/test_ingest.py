"""events_ingest's storage statement: what it stores, whom it marks as seen, and that
concurrent batches sharing keys and customers neither deadlock nor store twice."""

import multiprocessing
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event, EventSource

pytestmark = pytest.mark.django_db
N_EVENTS = 1000


def test_stores_every_field_and_marks_only_customers_with_new_events_as_seen():
    events_ingest([EventIn("old", "x", idempotency_key="k-old")])
    Customer.objects.update(last_seen_at=None)
    at = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)

    results = events_ingest([
        EventIn("ann", "purchase", {"amount": 12.5, "items": ["a", {"b": None}]}, at, "k1"),
        EventIn("old", "x", idempotency_key="k-old"),
        EventIn("bob", "login"),
    ], source="import")

    assert [r.duplicate for r in results] == [False, True, False]
    stored = Event.objects.get(idempotency_key="k1")
    assert (stored.customer.external_id, stored.type, stored.properties, stored.occurred_at,
            stored.source) == ("ann", "purchase", {"amount": 12.5, "items": ["a", {"b": None}]},
                               at, "import")
    assert Event.objects.get(id=results[2].event_id).occurred_at == stored.received_at
    seen = dict(Customer.objects.values_list("external_id", "last_seen_at"))
    assert seen["old"] is None
    assert seen["ann"] == seen["bob"] == stored.received_at


def test_results_follow_input_order_not_storage_order():
    results = events_ingest([EventIn("c", "t", idempotency_key=k) for k in ["z", "a", "m"]])

    assert [r.idempotency_key for r in results] == ["z", "a", "m"]
    ids = dict(Event.objects.values_list("idempotency_key", "id"))
    assert [r.event_id for r in results] == [ids["z"], ids["a"], ids["m"]]


def _post_shuffled(events: list[EventIn], seed: int, start: Any, out: Any) -> None:
    """In a forked process: wait for the others, then ingest the events in its own order."""
    connection.close()  # never share the parent's socket
    batch = events[:]
    random.Random(seed).shuffle(batch)
    start.wait()
    try:
        out.put([r.duplicate for r in events_ingest(batch)])
    except Exception as exc:  # reported by the test's assertion
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_keys_and_customers_store_each_event_once():
    """Four processes (as gunicorn workers would) post the same events in different orders
    at once: none fails, and each event is stored, and reported new, exactly once. (Rows
    are stored in key order and customers locked in id order, so overlapping batches wait
    on each other rather than deadlock.)"""
    # The customers exist: creating them would queue the clients one behind the other.
    events_ingest([EventIn(f"c{i}", "warm") for i in range(40)])
    events = [EventIn(f"c{i % 40}", "purchase", {"n": i}, idempotency_key=f"k{i}")
              for i in range(N_EVENTS)]
    context = multiprocessing.get_context("fork")
    start, out = context.Barrier(4), context.Queue()
    connection.close()
    workers = [context.Process(target=_post_shuffled, args=(events, seed, start, out))
               for seed in range(4)]
    for worker in workers:
        worker.start()
    outcomes = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert [o for o in outcomes if isinstance(o, str)] == []
    assert sum(dup is False for o in outcomes for dup in o) == N_EVENTS
    assert Event.objects.filter(type="purchase").count() == N_EVENTS
    assert Customer.objects.count() == 40


@pytest.mark.django_db
def test_internal_events_do_not_mark_the_customer_seen():
    customer = Customer.objects.create(external_id="quiet")

    events_ingest([EventIn("quiet", "segment.entered", idempotency_key="seg-1")],
                  source=EventSource.INTERNAL)
    customer.refresh_from_db()
    seen_after_internal = customer.last_seen_at
    events_ingest([EventIn("quiet", "login", idempotency_key="login-1")])
    customer.refresh_from_db()

    assert seen_after_internal is None
    assert customer.last_seen_at is not None
