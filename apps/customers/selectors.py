"""Reads for customers: list filters and the 360 timeline.

The timeline merges sources: the customer's events here, and whatever the other apps
register in their AppConfig.ready (tasks, runs, messages, offers). Customers imports
none of them: they depend on customers, not the other way round."""

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any, TypedDict

from apps.customers.models import Customer


class TimelineItem(TypedDict):
    kind: str
    at: datetime
    title: str
    data: dict[str, Any]


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


# Events, then what the apps registered (in INSTALLED_APPS order).
TIMELINE_SOURCES: list[TimelineSource] = [events_timeline]


def timeline_source_register(source: TimelineSource) -> None:
    """Add a source of timeline items (called from an app's AppConfig.ready; once)."""
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)


def customer_timeline(
    customer: Customer, *, limit: int = 50, before: datetime | None = None
) -> list[TimelineItem]:
    """Newest first, merged across every source; each source is asked for `limit` items."""
    items = [item for source in TIMELINE_SOURCES for item in source(customer, limit, before)]
    return sorted(items, key=lambda item: item["at"], reverse=True)[:limit]


def customer_locale_counts(segment_ids: Collection[int] | None = None) -> dict[str, int]:
    """How many customers speak each language ({"de": 40, "ru": 12, "": 300}), counted by
    the locale's language (de-AT and de_CH count as de); only members of `segment_ids`
    when given. Erased customers are not counted."""
    from django.db.models import CharField, Count, Func, Value
    from django.db.models.functions import Lower, Replace

    from apps.customers.models import SegmentMembership

    customers = Customer.objects.filter(erased_at__isnull=True)
    if segment_ids is not None:
        members = SegmentMembership.objects.filter(segment_id__in=list(segment_ids))
        customers = customers.filter(pk__in=members.values("customer_id"))
    base = Lower(Func(Replace("locale", Value("_"), Value("-")), Value("-"), Value(1),
                      function="split_part", output_field=CharField()))
    rows = customers.annotate(base=base).values("base").annotate(n=Count("id")).order_by()
    return {row["base"]: row["n"] for row in rows}
