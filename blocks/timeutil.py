"""Time in the customer's time zone, DST-safe, driven by an explicit `now`.

Local wall-clock times are resolved by zoneinfo: a time that does not exist (the hour
skipped when clocks go forward) lands after the gap, an ambiguous one (the hour repeated
when clocks go back) means its first occurrence. Results are aware datetimes in UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from typing import Any

UTC = dt.UTC


@lru_cache(maxsize=256)
def zone(name: str | None) -> dt.tzinfo:
    """The customer's zone; an unknown or empty name falls back to UTC."""
    if not name:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def time_of_day(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def local_moment(day: dt.date, at: str, time_zone: str | None) -> dt.datetime:
    """`day` at local time `at` ("HH:MM") in `time_zone`, as UTC."""
    local = dt.datetime.combine(day, time_of_day(at), tzinfo=zone(time_zone))
    return local.astimezone(UTC)


def next_local_time(now: dt.datetime, at: str, time_zone: str | None) -> dt.datetime:
    """The first moment strictly after `now` whose local time in `time_zone` is `at`."""
    today = now.astimezone(zone(time_zone)).date()
    candidate = local_moment(today, at, time_zone)
    if candidate > now:
        return candidate
    return local_moment(today + dt.timedelta(days=1), at, time_zone)


def attribute_date(value: Any, time_zone: str | None) -> dt.date | None:
    """A profile attribute as a calendar date: an ISO date, or an ISO datetime taken in
    the customer's zone. None for anything else."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(time_zone))
    return moment.astimezone(zone(time_zone)).date()
