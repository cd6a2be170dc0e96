"""Read-only figures for the dashboard: counts and recent activity, in one cheap call."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.customers.models import Customer, Event, Segment
from apps.insights.selectors import insights_settings_get

DAYS = 30
TOP_EVENT_TYPES = 10
HIGH_VALUE_TIERS = ("vip", "high")


class DayCount(TypedDict):
    date: date
    count: int


class TypeCount(TypedDict):
    type: str
    count: int


class Risk(TypedDict):
    threshold: float
    scored: int
    customers: int
    high_value: int
    value: Decimal


class Overview(TypedDict):
    generated_at: datetime
    customers: int
    at_risk: Risk
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
    threshold = insights_settings_get().churn_score_threshold
    risky = Q(churn_score__gte=threshold)
    people = Customer.objects.filter(erased_at__isnull=True).aggregate(
        customers=Count("id"), scored=Count("id", filter=Q(churn_score__isnull=False)),
        at_risk=Count("id", filter=risky),
        high_value=Count("id", filter=risky & Q(tier__in=HIGH_VALUE_TIERS)),
        value=Sum("clv", filter=risky))  # one pass over the customers
    return {
        "generated_at": now,
        "customers": people["customers"],
        "at_risk": {"threshold": threshold, "scored": people["scored"],
                    "customers": people["at_risk"], "high_value": people["high_value"],
                    "value": people["value"] or Decimal("0")},
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
