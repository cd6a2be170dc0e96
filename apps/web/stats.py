"""Read-only figures for the dashboard: counts and recent activity, in one cheap call."""

from datetime import UTC, date, datetime, timedelta
from typing import TypedDict

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.customers.models import Customer, Event, Segment

DAYS = 30
TOP_EVENT_TYPES = 10


class DayCount(TypedDict):
    date: date
    count: int


class TypeCount(TypedDict):
    type: str
    count: int


class Overview(TypedDict):
    generated_at: datetime
    customers: int
    events_total: int
    events_last_24h: int
    events_last_7d: int
    segments: int
    events_per_day: list[DayCount]
    event_types: list[TypeCount]


def stats_overview(now: datetime | None = None) -> Overview:
    """Windows end at `now` and count by `occurred_at`; days are UTC calendar days, the
    last one being today, with zeros where nothing happened."""
    now = now or timezone.now()
    first_day = now.astimezone(UTC).date() - timedelta(days=DAYS - 1)
    window_start = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    events = Event.objects.filter(occurred_at__lte=now)
    recent = events.filter(occurred_at__gte=window_start)

    per_day = dict(
        recent.annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    by_type = (
        recent.values("type").annotate(n=Count("id")).order_by("-n", "type")[:TOP_EVENT_TYPES]
    )
    return {
        "generated_at": now,
        "customers": Customer.objects.filter(erased_at__isnull=True).count(),
        "events_total": Event.objects.count(),
        "events_last_24h": events.filter(occurred_at__gt=now - timedelta(hours=24)).count(),
        "events_last_7d": events.filter(occurred_at__gt=now - timedelta(days=7)).count(),
        "segments": Segment.objects.count(),
        "events_per_day": [
            {"date": day, "count": per_day.get(day, 0)}
            for day in (first_day + timedelta(days=i) for i in range(DAYS))
        ],
        "event_types": [{"type": row["type"], "count": row["n"]} for row in by_type],
    }
