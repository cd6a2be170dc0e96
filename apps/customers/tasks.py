"""Celery tasks: take ids, call one service, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.customers import segments
from apps.customers.handling import events_handle_stored
from apps.customers.models import Event, EventPending
from apps.customers.ready import events_ready_rearm, events_ready_take

REDISPATCH_BATCH = 100


@shared_task
def events_drain() -> None:
    """Handle this drain's share of the ready list (apps/customers/ready.py)."""
    event_ids = events_ready_take()
    if event_ids:
        events_handle_stored(event_ids)


@shared_task
def events_process(event_ids: list[int]) -> None:
    """Handle these events (the hand-off where the ready list does not apply, and the
    redispatch)."""
    events_handle_stored(event_ids)


@shared_task
def events_redispatch() -> int:
    """The backstop for lost hand-offs (broker down or restarted without persistence):
    events still pending a while after they were handed on are handed on again, once per
    period: behind a backlog longer than the period, every run of this task would
    otherwise send the whole backlog again, and the workers would drown in duplicates."""
    events_ready_rearm()
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.KEEPFLOW_EVENT_REDISPATCH_SECONDS)
    ids = list(EventPending.objects.filter(handed_on_at__lt=cutoff)
               .order_by("handed_on_at").values_list("event_id", flat=True)[:10_000])
    if not ids:
        return 0
    existing = set(Event.objects.filter(id__in=ids).values_list("id", flat=True))
    EventPending.objects.filter(event_id__in=set(ids) - existing).delete()  # erased since
    alive = sorted(existing)
    EventPending.objects.filter(event_id__in=alive).update(handed_on_at=now)
    for start in range(0, len(alive), REDISPATCH_BATCH):
        events_process.delay(alive[start:start + REDISPATCH_BATCH])
    return len(alive)


@shared_task
def customers_refresh_segments(customer_ids: list[int]) -> None:
    segments.segments_refresh_for_customers(customer_ids)


@shared_task
def segments_refresh_all() -> None:
    """The periodic job: full recount of every segment, catching time-based conditions."""
    segments.segments_refresh_all()


@shared_task(name="customers.retention_erase")
def retention_erase() -> int:
    """Beat: erase customers inactive past KEEPFLOW_RETENTION_INACTIVE_MONTHS (off: 0)."""
    from apps.customers.erasure import customers_retention_erase

    return customers_retention_erase()
