"""Store a call or batch of the tracking API: events through the one ingest path, profile
changes through the bulk upsert, all in one transaction."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.common.retry import transaction_retry
from apps.customers.bulk import BulkUpsertResult, customers_upsert_bulk, profile_data_merge
from apps.customers.ingest import events_ingest
from apps.customers.models import Customer, EventSource
from apps.customers.serializers import CustomerWriteSerializer
from apps.customers.services import customers_ensure
from apps.customers.tracking.mapping import MappedMessage, message_map


@dataclass(frozen=True)
class TrackingResult:
    accepted: int
    duplicates: int
    customers_updated: int


def tracking_messages_store(
    messages: list[tuple[str, dict[str, Any]]], *, received_at: datetime,
    defaults: dict[str, Any] | None = None,
) -> TrackingResult:
    """Store validated messages (type, message) in order. A message whose messageId was
    seen before is a duplicate: its event is not stored again and its profile change is
    not applied again, so a retried old identify cannot undo a newer one."""
    validator = CustomerWriteSerializer()
    mapped = [message_map(kind, message, received_at=received_at, defaults=defaults,
                          validator=validator) for kind, message in messages]
    if all(m.profile is None for m in mapped):
        # Events only (track, page, screen, alias calls): the ingest's own path, which
        # creates unknown customers and locks in id order by itself, and stores one event
        # of a known customer in one statement: no transaction, no customer locks first
        # (six queries were a /v1/track call's largest cost).
        results = events_ingest([m.event for m in mapped], source=EventSource.TRACKING)
        duplicates = [r.duplicate for r in results]
        return TrackingResult(accepted=duplicates.count(False),
                              duplicates=duplicates.count(True), customers_updated=0)
    duplicates, outcome = transaction_retry(lambda: _store(mapped))
    return TrackingResult(
        accepted=duplicates.count(False),
        duplicates=duplicates.count(True),
        customers_updated=len(outcome.created) + len(outcome.updated),
    )


@transaction.atomic
def _store(mapped: list[MappedMessage]) -> tuple[list[bool], BulkUpsertResult]:
    """One transaction (run again whole on a deadlock): events, then profile changes."""
    _customers_lock({m.event.customer_external_id for m in mapped})
    results = events_ingest([m.event for m in mapped], source=EventSource.TRACKING)
    duplicates = [r.duplicate for r in results]
    changes = _profile_changes(mapped, duplicates)
    return duplicates, customers_upsert_bulk(changes, source=EventSource.TRACKING)


def _customers_lock(external_ids: set[str]) -> None:
    """Lock every customer of the batch at once, in id order. Ingest and the profile upsert
    each lock a subset later; taken piecemeal, two concurrent batches over the same
    customers could each hold what the other waits for. FOR NO KEY UPDATE, as the ingest:
    foreign-key checks of other transactions do not wait for it."""
    ids = customers_ensure(external_ids).values()
    list(Customer.objects.select_for_update(no_key=True).filter(id__in=ids).order_by("id")
         .values_list("id", flat=True))


def _profile_changes(mapped: list[MappedMessage], duplicates: list[bool]) -> dict[str, dict]:
    """One merged change per customer, applied in message order."""
    changes: dict[str, dict[str, Any]] = {}
    for item, duplicate in zip(mapped, duplicates, strict=True):
        if item.profile is None or duplicate:
            continue
        external_id = item.event.customer_external_id
        changes[external_id] = profile_data_merge(changes.get(external_id, {}), item.profile)
    return changes
