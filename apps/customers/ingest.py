"""Event ingest: one code path for the REST API, the tracking API, imports and internal
events. Idempotent by key, batched, safe under concurrent posts of the same key."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.customers.dispatch import events_ingested
from apps.customers.models import Customer, Event, EventSource
from apps.customers.services import customers_ensure


@dataclass(frozen=True)
class EventIn:
    customer_external_id: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class IngestResult:
    event_id: int
    idempotency_key: str
    duplicate: bool


_INSERT_SQL = (
    "INSERT INTO {table} (customer_id, type, properties, occurred_at, received_at, "
    "idempotency_key, source) VALUES {rows} "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
)


def events_ingest(events: list[EventIn], *, source: str = EventSource.API) -> list[IngestResult]:
    """Store events (creating unknown customers) and hand the new ones to the engine after
    commit. Returns one result per input, in order; a repeated key yields the stored event."""
    if not events:
        return []
    now = timezone.now()
    keys = [e.idempotency_key or f"auto:{uuid.uuid4()}" for e in events]
    first_by_key: dict[str, EventIn] = {}
    for key, event in zip(keys, events, strict=True):
        first_by_key.setdefault(key, event)

    with transaction.atomic():
        customer_ids = customers_ensure(e.customer_external_id for e in first_by_key.values())
        inserted = _insert_new(first_by_key, customer_ids, now, source)
        existing = dict(
            Event.objects.filter(idempotency_key__in=first_by_key.keys() - inserted.keys())
            .values_list("idempotency_key", "id")
        )
        touched = {customer_ids[first_by_key[k].customer_external_id] for k in inserted}
        if touched:
            Customer.objects.filter(id__in=touched).update(last_seen_at=now)
        new_ids = list(inserted.values())
        if new_ids:
            transaction.on_commit(lambda: events_ingested(new_ids))

    results = []
    seen: set[str] = set()
    for key in keys:
        fresh = key in inserted and key not in seen
        seen.add(key)
        results.append(IngestResult(inserted.get(key) or existing[key], key, not fresh))
    return results


def _insert_new(
    by_key: dict[str, EventIn], customer_ids: dict[str, int], now: datetime, source: str
) -> dict[str, int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: only the inserter learns the new id, so
    exactly one of several concurrent requests hands an event on."""
    properties_field = Event._meta.get_field("properties")
    params: list[Any] = []
    for key, event in by_key.items():
        params += [
            customer_ids[event.customer_external_id],
            event.type,
            properties_field.get_db_prep_save(event.properties, connection),
            event.occurred_at or now,
            now,
            key,
            source,
        ]
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(by_key))
    sql = _INSERT_SQL.format(table=connection.ops.quote_name(Event._meta.db_table), rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {key: event_id for event_id, key in cursor.fetchall()}
