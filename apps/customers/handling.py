"""What becomes of newly stored events: their customers' segment membership is brought up
to date, then each handler in settings.KEEPFLOW_EVENT_HANDLERS gets them (the engine's
triggers, waits and goals; offers), then they stop being pending.

The events and their customers are read once for all of them. Every step is idempotent,
so a redelivered or redispatched batch changes nothing twice."""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from apps.customers import segments
from apps.customers.models import Event, EventPending


def events_handle_stored(event_ids: list[int],
                         renew: Callable[[], None] | None = None) -> None:
    """`renew`, called between the steps, keeps the caller's claim on the events alive."""
    events = list(Event.objects.filter(id__in=event_ids).select_related("customer")
                  .order_by("id"))
    segments.segments_refresh_for_events(events)
    for path in settings.KEEPFLOW_EVENT_HANDLERS:
        if renew is not None:
            renew()
        import_string(path)(events)
    EventPending.objects.filter(event_id__in=event_ids).delete()
