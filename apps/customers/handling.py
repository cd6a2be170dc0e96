"""What becomes of newly stored events: their customers' segment membership is brought up
to date, then each handler in settings.KEEPFLOW_EVENT_HANDLERS gets them (the engine's
triggers, waits and goals; offers), then they stop being pending.

The events and their customers are read once for all of them, each event with the start
target its hand-off carries (`start_workflow_id`: the workflow a webhook call starts,
else None). Every step is idempotent, so a redelivered or redispatched batch changes
nothing twice.

`StoredEvents` is what customers registers with the hand-off (apps/handoff/handler.py):
this handling, and the `EventPending` rows its redispatch reads."""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils.module_loading import import_string

from apps.customers import segments
from apps.customers.models import Event, EventPending


def events_stored_read(event_ids: list[int]) -> list[Event]:
    """The events by id, oldest first, with their customers and start targets."""
    target = EventPending.objects.filter(event_id=OuterRef("pk")).values("start_workflow_id")
    return list(Event.objects.filter(id__in=event_ids).select_related("customer")
                .annotate(start_workflow_id=Subquery(target[:1])).order_by("id"))


def events_handle_stored(event_ids: list[int],
                         renew: Callable[[], None] | None = None) -> None:
    """`renew`, called between the steps, keeps the caller's claim on the events alive."""
    events = events_stored_read(event_ids)
    segments.segments_refresh_for_events(events)
    for path in settings.KEEPFLOW_EVENT_HANDLERS:
        if renew is not None:
            renew()
        import_string(path)(events)
    EventPending.objects.filter(event_id__in=event_ids).delete()


class StoredEvents:
    """The customers app's events handler for the hand-off (an `EventsHandler`)."""

    def handle(self, event_ids: list[int], renew: Callable[[], None] | None = None) -> None:
        events_handle_stored(event_ids, renew)

    def pending(self, handed_on_before: datetime, after: int, limit: int) -> list[int]:
        return list(EventPending.objects
                    .filter(handed_on_at__lt=handed_on_before, event_id__gt=after)
                    .order_by("event_id").values_list("event_id", flat=True)[:limit])

    def present(self, event_ids: list[int]) -> list[int]:
        existing = set(Event.objects.filter(id__in=event_ids).values_list("id", flat=True))
        EventPending.objects.filter(event_id__in=set(event_ids) - existing).delete()
        return sorted(existing)

    def handed_on(self, event_ids: list[int], at: datetime) -> None:
        EventPending.objects.filter(event_id__in=event_ids).update(handed_on_at=at)
