"""Reads for customers: list filters and the 360 timeline."""

from collections.abc import Callable
from datetime import datetime
from typing import TypedDict

from apps.customers.models import Customer
from apps.engine.selectors import runs_timeline
from apps.messaging.selectors import messages_timeline
from apps.offers.selectors import offers_timeline
from apps.tasks.selectors import tasks_timeline


class TimelineItem(TypedDict):
    kind: str
    at: datetime
    title: str
    data: dict


TimelineSource = Callable[[Customer, int, datetime | None], list[TimelineItem]]


def events_timeline(customer: Customer, limit: int, before: datetime | None) -> list[TimelineItem]:
    events = customer.events.order_by("-occurred_at", "-id")
    if before is not None:
        events = events.filter(occurred_at__lt=before)
    return [
        {"kind": "event", "at": e.occurred_at, "title": e.type,
         "data": {"id": e.id, "properties": e.properties, "source": e.source}}
        for e in events[:limit]
    ]


# Events, then what workflows did: tasks, runs, messages, offers.
TIMELINE_SOURCES: list[TimelineSource] = [events_timeline]
TIMELINE_SOURCES.append(tasks_timeline)
TIMELINE_SOURCES.append(runs_timeline)
TIMELINE_SOURCES.append(messages_timeline)
TIMELINE_SOURCES.append(offers_timeline)


def customer_timeline(
    customer: Customer, *, limit: int = 50, before: datetime | None = None
) -> list[TimelineItem]:
    """Newest first, merged across every source; each source is asked for `limit` items."""
    items = [item for source in TIMELINE_SOURCES for item in source(customer, limit, before)]
    return sorted(items, key=lambda item: item["at"], reverse=True)[:limit]
