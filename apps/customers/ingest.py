"""Event ingest: one code path for the REST API, the tracking API, imports and internal
events. Idempotent by key, batched, safe under concurrent posts of the same key."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from apps.common.retry import transaction_retry
from apps.customers.models import Customer, Event, EventPending, EventSource
from apps.customers.services import customers_ensure
from apps.handoff import events_ingested


@dataclass(frozen=True)
class EventIn:
    customer_external_id: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None
    idempotency_key: str | None = None
    # The workflow whose webhook trigger this event starts: kept on the pending hand-off,
    # so the drain starts the run with the other events' runs (apps/engine/events.py).
    start_workflow_id: int | None = None


class IdempotencyConflict(Exception):
    """Events whose idempotency key was used before for a different event (customer,
    type, properties or a given occurred_at differ): a client bug that would otherwise
    lose the second event without a word. `indexes` are positions in the input."""

    def __init__(self, indexes: list[int]) -> None:
        super().__init__(f"idempotency keys reused for different events at {indexes}")
        self.indexes = indexes


@dataclass(frozen=True)
class IngestResult:
    event_id: int
    idempotency_key: str
    duplicate: bool


# PostgreSQL: one statement for the usual case whatever the batch size. It finds the
# customers by external id, inserts the events and marks their customers seen, and names
# the rows whose customer is unknown (created then, and the statement repeated for them).
# The rows travel as one JSON document: encoding it is one C call, where quoting thousands
# of parameters was a third of a 1,000-event batch's CPU. Rows go in idempotency-key order
# and customers are locked in id order, so concurrent batches sharing keys or customers
# wait for each other instead of deadlocking. The lock is FOR NO KEY UPDATE (what the
# UPDATE takes anyway), not FOR UPDATE: it does not conflict with the FOR KEY SHARE that
# foreign-key checks take, so the drain's COMMIT, checking the keys of the runs and rows
# it wrote in its own order, never waits for an ingest, nor an ingest for it (issue 17).
# Customers are found by per-row index probes (a scalar subquery, `= ANY(ARRAY(...))`):
# with joins the planner, which expects 100 rows from jsonb_to_recordset, scanned the
# whole customers table for a single event.
_INSERT_SQL_POSTGRESQL = """
WITH input AS (
    SELECT e.*,
           (SELECT c.id FROM {customers} AS c WHERE c.external_id = e.external_id) AS customer_id
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS e(
        external_id text, type text, properties jsonb, occurred_at timestamptz, key text,
        start_workflow bigint)
), new AS (
    INSERT INTO {events} (customer_id, type, properties, occurred_at, received_at,
                          idempotency_key, source)
    SELECT i.customer_id, i.type, i.properties, i.occurred_at, %(now)s, i.key, %(source)s
    FROM input AS i WHERE i.customer_id IS NOT NULL
    ORDER BY i.key
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, idempotency_key, customer_id
), pending AS (
    INSERT INTO {pending} (event_id, handed_on_at, start_workflow_id)
    SELECT n.id, %(now)s, i.start_workflow
    FROM new AS n JOIN input AS i ON i.key = n.idempotency_key
), locked AS (
    SELECT id FROM {customers} WHERE %(marks_seen)s
        AND id = ANY(ARRAY(SELECT customer_id FROM new))
    ORDER BY id FOR NO KEY UPDATE
), seen AS (
    UPDATE {customers} SET last_seen_at = %(now)s WHERE id = ANY(ARRAY(SELECT id FROM locked))
)
SELECT id, idempotency_key FROM new
UNION ALL
SELECT NULL, key FROM input WHERE customer_id IS NULL
"""


def events_ingest(events: list[EventIn], *, source: str = EventSource.API,
                  refuse_conflicts: bool = False) -> list[IngestResult]:
    """Store events (creating unknown customers) and hand the new ones to the engine after
    commit. Returns one result per input, in order; a repeated key yields the stored event.
    With `refuse_conflicts`, a key repeated with a different event raises
    IdempotencyConflict and stores nothing (the API's clients; Segment's messageId and
    internal keys keep first-wins). A deadlock or serialization failure runs it again
    whole (apps/common/retry.py)."""
    if not events:
        return []
    return transaction_retry(lambda: _events_store(events, source, refuse_conflicts))


def _events_store(events: list[EventIn], source: str,
                  refuse_conflicts: bool) -> list[IngestResult]:
    now = timezone.now()
    keys = [e.idempotency_key or f"auto:{uuid.uuid4()}" for e in events]
    first_by_key: dict[str, EventIn] = {}
    for key, event in zip(keys, events, strict=True):
        first_by_key.setdefault(key, event)
    check = _conflicts_check(keys, events, first_by_key) if refuse_conflicts else None

    if len(first_by_key) == 1 and (check is None or len(events) == 1) \
            and connection.get_autocommit() and not connection.in_atomic_block:
        # One event, no transaction open: the one statement is its own transaction, which
        # spares BEGIN and COMMIT (two round trips). An unknown customer changes nothing
        # here and takes the path below.
        inserted, unknown = _insert_known(first_by_key, now, source)
        if not unknown:
            if check is not None and not inserted:
                check(inserted)
            if inserted:
                events_ingested(list(inserted.values()))  # committed: hand it on
            return _results(keys, inserted, first_by_key.keys() - inserted.keys())

    with transaction.atomic():
        inserted = _insert_postgresql(first_by_key, now, source)
        if check is not None:
            check(inserted)  # raises inside the transaction: the batch is rolled back
        new_ids = list(inserted.values())
        if new_ids:
            transaction.on_commit(lambda: events_ingested(new_ids))
        return _results(keys, inserted, first_by_key.keys() - inserted.keys())


def _conflicts_check(keys: list[str], events: list[EventIn],
                     first_by_key: dict[str, EventIn]) -> Callable[[dict[str, int]], None]:
    """A check to run after the insert: each input whose key names a different event
    than the one stored under it (before, or first in this request)."""

    def check(inserted: dict[str, int]) -> None:
        earlier = first_by_key.keys() - inserted.keys()
        stored = {row[0]: EventIn(*row[1:]) for row in Event.objects.filter(
            idempotency_key__in=earlier).values_list(
            "idempotency_key", "customer__external_id", "type", "properties", "occurred_at")
        } if earlier else {}
        conflicts = [index for index, (key, event) in enumerate(zip(keys, events, strict=True))
                     if not _same_event(event, stored.get(key) or first_by_key[key])]
        if conflicts:
            raise IdempotencyConflict(conflicts)

    return check


def _same_event(event: EventIn, reference: EventIn) -> bool:
    """Same customer, type and properties, and the same occurred_at if one was given."""
    return (event.customer_external_id == reference.customer_external_id
            and event.type == reference.type
            and (event.occurred_at is None or event.occurred_at == reference.occurred_at)
            and _same_json(event.properties, reference.properties))


def _same_json(a: Any, b: Any) -> bool:
    """Equal as stored: jsonb gives 1e300 back as the integer 10**300."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same_json, a, b))
    if _is_number(a) and _is_number(b):
        return a == b or float(a) == float(b)
    return type(a) is type(b) and a == b


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _results(keys: list[str], inserted: dict[str, int], repeated: set[str]) -> list[IngestResult]:
    """One result per input key, in order; a repeated key yields the stored event."""
    existing = dict(
        Event.objects.filter(idempotency_key__in=repeated).values_list("idempotency_key", "id")
    ) if repeated else {}
    results = []
    seen: set[str] = set()
    for key in keys:
        fresh = key in inserted and key not in seen
        seen.add(key)
        results.append(IngestResult(inserted.get(key) or existing[key], key, not fresh))
    return results


# Both inserts use INSERT ... ON CONFLICT DO NOTHING RETURNING: only the inserter learns
# a new id, so exactly one of several concurrent requests hands an event on. Both return
# {idempotency key: new event id} and mark the customers of the new events as seen.


def _insert_postgresql(by_key: dict[str, EventIn], now: datetime, source: str) -> dict[str, int]:
    inserted, unknown = _insert_known(by_key, now, source)
    if unknown:
        customers_ensure(by_key[key].customer_external_id for key in unknown)
        more, still_unknown = _insert_known({key: by_key[key] for key in unknown}, now, source)
        assert not still_unknown, "customers_ensure created them in this transaction"
        inserted.update(more)
    return inserted


def _insert_known(
    by_key: dict[str, EventIn], now: datetime, source: str
) -> tuple[dict[str, int], list[str]]:
    """Insert the events of known customers; returns the new ids and the keys of events
    whose customer does not exist."""
    rows = [
        {"external_id": event.customer_external_id, "type": event.type,
         "properties": event.properties, "occurred_at": (event.occurred_at or now).isoformat(),
         "key": key, "start_workflow": event.start_workflow_id}
        for key, event in sorted(by_key.items())
    ]
    document = json.dumps(rows, cls=Event._meta.get_field("properties").encoder)
    params = {"now": now, "source": source, "rows": document, "marks_seen": _marks_seen(source)}
    # A prepared statement (server-side binding) on the connection, which CONN_MAX_AGE
    # keeps: PostgreSQL plans this statement once per connection instead of on every call
    # (planning was about a third of its time for one event), and psycopg sends the
    # values apart from the text instead of quoting them into it.
    # Django checks a kept connection once per request on its first cursor; this path
    # may be the request's first use of the database (an API key from the cache).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_insert_sql_postgresql(), params, prepare=True)
        result = cursor.fetchall()
    inserted = {key: event_id for event_id, key in result if event_id is not None}
    return inserted, [key for event_id, key in result if event_id is None]


def _marks_seen(source: str) -> bool:
    """Keepflow's own events (segment.entered, ...) are not signs of the customer's life."""
    return source != EventSource.INTERNAL


@cache
def _insert_sql_postgresql() -> str:
    return _INSERT_SQL_POSTGRESQL.format(**_tables())


def _tables() -> dict[str, str]:
    return {"events": connection.ops.quote_name(Event._meta.db_table),
            "customers": connection.ops.quote_name(Customer._meta.db_table),
            "pending": connection.ops.quote_name(EventPending._meta.db_table)}
