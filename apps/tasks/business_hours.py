"""Business hours: when a queue's agents work, and moving a due time into them.

A due time inside the hours stays; one outside moves to the next opening (a Friday
evening call-back becomes Monday 09:00 in the queue's time zone). Hours come from the
queue's TaskQueue row when it has one, else from settings.KEEPFLOW_BUSINESS_HOURS.
Holidays are not modelled: close a day by leaving its weekday out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

MIDNIGHT = dt.time(0, 0)  # as a closing time: the end of the day
MAX_DAYS_AHEAD = 14  # a week with no working day is a misconfiguration; stop looking


@dataclass(frozen=True)
class BusinessHours:
    timezone: str
    weekdays: frozenset[int]  # 0 = Monday … 6 = Sunday
    opens: dt.time
    closes: dt.time

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays: one or more of 0 (Monday) to 6 (Sunday)")
        if not hours_valid(self.opens, self.closes):
            raise ValueError("opens must be before closes (overnight hours are not supported)")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> BusinessHours:
        return cls(
            timezone=str(data.get("timezone", "UTC")),
            weekdays=frozenset(int(day) for day in data.get("weekdays", (0, 1, 2, 3, 4))),
            opens=dt.time.fromisoformat(str(data.get("opens", "09:00"))),
            closes=dt.time.fromisoformat(str(data.get("closes", "17:00"))),
        )

    def contains(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        return local.weekday() in self.weekdays and self.opens <= local.time() \
            and (self.closes == MIDNIGHT or local.time() < self.closes)

    def _closing(self, day: dt.date, zone: ZoneInfo) -> dt.datetime:
        """When the queue closes on `day`: closing at 00:00 means at the day's end."""
        if self.closes == MIDNIGHT:
            return _local_to_aware(day + dt.timedelta(days=1), MIDNIGHT, zone)
        return _local_to_aware(day, self.closes, zone)

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if the queue is open then, else the next time it opens."""
        if self.contains(moment):
            return moment
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(MAX_DAYS_AHEAD + 1):
            if day.weekday() in self.weekdays:
                opening = _local_to_aware(day, self.opens, zone)
                if opening > moment:
                    return opening
            day += dt.timedelta(days=1)
        raise ValueError("no opening within two weeks")  # unreachable with valid weekdays

    def add_working_time(self, start: dt.datetime, working: dt.timedelta) -> dt.datetime:
        """The moment `working` time of open hours after `start` has passed: 4 hours from
        Friday 15:00 with 09:00-17:00 hours is Monday 11:00. A response target counts
        only the time agents are at work."""
        zone = ZoneInfo(self.timezone)
        moment = self.next_opening(start)
        left = working
        while True:
            local = moment.astimezone(zone)
            closing = self._closing(local.date(), zone)
            open_now = closing - moment
            if left <= open_now:
                return moment + left
            left -= open_now
            moment = self.next_opening(closing)

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Open hours from `start` to `end` (zero when `end` is not after `start`)."""
        zone = ZoneInfo(self.timezone)
        total = dt.timedelta()
        moment = self.next_opening(start)
        while moment < end:
            closing = self._closing(moment.astimezone(zone).date(), zone)
            total += min(closing, end) - moment
            moment = self.next_opening(closing)
        return total


def hours_valid(opens: dt.time, closes: dt.time) -> bool:
    """Opening comes before closing; closing at 00:00 means midnight, so 00:00-00:00 is a
    queue open around the clock (overnight hours are not supported)."""
    return closes == MIDNIGHT or opens < closes


def _local_to_aware(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time in a zone. One skipped by a DST jump (02:30 on the spring-forward
    night) maps to the instant after the gap, as zoneinfo's fold=0 round trip gives."""
    naive = dt.datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def business_hours_default() -> BusinessHours:
    return BusinessHours.from_mapping(getattr(settings, "KEEPFLOW_BUSINESS_HOURS", {}))


@dataclass(frozen=True)
class QueueRules:
    """What a queue promises: when its agents work, and how soon they act on a task
    (its response target, in open hours; None when it sets none)."""

    hours: BusinessHours
    response_target: dt.timedelta | None


def response_target_default() -> dt.timedelta | None:
    minutes = getattr(settings, "KEEPFLOW_TASK_RESPONSE_TARGET_MINUTES", None)
    return dt.timedelta(minutes=minutes) if minutes else None


def queue_rules_for(queue: str) -> QueueRules:
    """The queue's own hours and target (a TaskQueue row) or the global settings."""
    from apps.tasks.models import TaskQueue

    row = TaskQueue.objects.filter(name=queue).first()
    if row is None:
        return QueueRules(business_hours_default(), response_target_default())
    return row.rules()
