"""What becomes of newly stored events: their customers' segment membership is brought up
to date, then each handler in settings.KEEPFLOW_EVENT_HANDLERS gets them (the engine's
triggers, waits and goals; offers), then they stop being pending.

The events and their customers are read once for all of them, each event with the start
target its hand-off carries (`start_workflow_id`: the workflow a webhook call starts,
else None). Every step is idempotent, so a redelivered or redispatched batch changes
nothing twice."""

from collections.abc import Callable

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
