"""The periodic trigger scans: date (every 5 minutes), inactivity (every 15 minutes) and
schedule (every minute). Each live trigger keeps a high-water mark in TriggerEntry.state;
a scan handles the due times in (mark, now] and moves the mark, so a due time is looked
at once, and the run's entry key (date:<attribute>:<day>:<customer>,
inactivity:<type>:<last event>,
<fan-out prefix>:<customer>) makes a window scanned twice start nothing twice.

A trigger seen for the first time (just published or resumed: the index is rebuilt then)
starts its window `FIRST_SCAN_GRACE` before now, so a date long past never fires when a
workflow goes live, and a due time that fell between two scans around a re-publish is not
lost. After an outage a scan catches up at most `MAX_CATCH_UP`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from apps.customers.models import Customer, Event, Segment
from apps.engine.fanout import fanout_start, fanouts_resume
from apps.engine.graph import compiled_version
from apps.engine.models import TriggerEntry, TriggerKind
from apps.engine.starting import Entry, Inline, runs_start
from apps.engine.triggers import triggers_for
from blocks.timeutil import attribute_date
from blocks.triggers.date import DateTriggerConfig, trigger_date_due
from blocks.triggers.inactivity import InactivityTriggerConfig
from blocks.triggers.schedule import ScheduleTriggerConfig, schedule_next

logger = logging.getLogger(__name__)

FIRST_SCAN_GRACE = timedelta(hours=1)
MAX_CATCH_UP = timedelta(days=7)
SCHEDULE_GRACE = timedelta(minutes=1)
START_BATCH = 500  # entries per runs_start call (one transaction each)
READ_CHUNK = 2_000


# --- date -------------------------------------------------------------------------------


def date_scan(now: datetime | None = None) -> int:
    """Start runs for every live trigger.date whose due time passed since the last scan.
    Returns the number of runs started."""
    now = now or timezone.now()
    started = 0
    for entry in triggers_for(TriggerKind.DATE):
        config = _config(entry, DateTriggerConfig)
        if config is None:
            continue
        with _isolated(entry):
            start = _window_start(entry, "scanned_to", now)
            started += _start_all(entry, _date_entries(entry, config, start, now), now)
            _state_save(entry, scanned_to=now.isoformat())
    return started


def date_candidates(config: DateTriggerConfig, start: datetime, now: datetime
                    ) -> Iterator[tuple[int, str, datetime]]:
    """(customer id, attribute day, due time) for due times in (start, now].

    SQL narrows to customers whose attribute starts with a day near the window (ISO text
    compares like the date; time zones move a day by at most one, hence the margin); the
    exact due time in the customer's zone is then computed per candidate."""
    low = start.date() - timedelta(days=config.offset_days + 2)
    high = now.date() - timedelta(days=config.offset_days - 3)  # exclusive
    rows = Customer.objects.filter(erased_at__isnull=True) \
        .annotate(day=Cast(KeyTextTransform(config.attribute, "attributes"), TextField())) \
        .filter(day__gte=low.isoformat(), day__lt=high.isoformat()) \
        .values_list("pk", "day", "timezone").order_by("pk")
    for customer_id, value, time_zone in rows.iterator(chunk_size=READ_CHUNK):
        due = trigger_date_due(config, {config.attribute: value}, time_zone)
        if due is not None and start < due <= now:
            day = attribute_date(value, time_zone)
            yield customer_id, day.isoformat() if day else str(value), due


def _date_entries(entry: TriggerEntry, config: DateTriggerConfig, start: datetime,
                  now: datetime) -> Iterator[Entry]:
    for customer_id, day, _due in date_candidates(config, start, now):
        # The customer is part of the key: keys are unique per workflow, not per customer.
        yield _entry(entry, customer_id, f"date:{config.attribute}:{day}:{customer_id}")


# --- inactivity -------------------------------------------------------------------------


def inactivity_scan(now: datetime | None = None) -> int:
    """Start runs for customers who went quiet since the last scan (once per silence: the
    entry key names their last event, so a new event then a new silence fires again)."""
    now = now or timezone.now()
    started = 0
    for entry in triggers_for(TriggerKind.INACTIVITY):
        config = _config(entry, InactivityTriggerConfig)
        if config is None:
            continue
        with _isolated(entry):
            start = _window_start(entry, "scanned_to", now)
            due = inactivity_candidates(config, start=start, now=now)
            entries = (_entry(entry, customer_id, f"inactivity:{config.event_type}:{last_id}")
                       for customer_id, (last_id, _at) in sorted(due.items()))
            started += _start_all(entry, entries, now)
            _state_save(entry, scanned_to=now.isoformat())
    return started


def inactivity_candidates(config: InactivityTriggerConfig, *, start: datetime | None,
                          now: datetime) -> dict[int, tuple[int, datetime]]:
    """{customer id: (last event id, due time)} for due times in (start, now] (no lower
    bound when start is None). Only events up to `now` count."""
    if config.mode == "fixed_days":
        return _fixed_days_due(config, start, now)
    return _rhythm_due(config, start, now)


def _fixed_days_due(config: InactivityTriggerConfig, start: datetime | None, now: datetime
                    ) -> dict[int, tuple[int, datetime]]:
    """Last events (no later one of the type) that occurred in (start - days, now - days],
    found through the (type, occurred_at) index."""
    days = timedelta(days=config.days or 0)
    later = Event.objects.filter(customer_id=OuterRef("customer_id"), type=config.event_type,
                                 occurred_at__gt=OuterRef("occurred_at"), occurred_at__lte=now)
    events = Event.objects.filter(type=config.event_type, occurred_at__lte=now - days)
    if start is not None:
        events = events.filter(occurred_at__gt=start - days)
    rows = events.filter(~Exists(later)).order_by("customer_id", "-occurred_at", "-id") \
        .values_list("customer_id", "pk", "occurred_at")
    found: dict[int, tuple[int, datetime]] = {}
    for customer_id, event_id, occurred_at in rows.iterator(chunk_size=READ_CHUNK):
        found.setdefault(customer_id, (event_id, occurred_at + days))
    return found


# Per customer: the gaps between consecutive events (lag), their median (percentile_cont
# interpolates like statistics.median) and the last event; due = last + k x median.
_RHYTHM_SQL = """
WITH ordered AS (
    SELECT customer_id, id, occurred_at,
           EXTRACT(EPOCH FROM occurred_at - lag(occurred_at) OVER (
               PARTITION BY customer_id ORDER BY occurred_at, id))::float8 AS gap,
           row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at DESC, id DESC)
               AS recency
    FROM {events}
    WHERE type = %(type)s AND occurred_at <= %(now)s
), per_customer AS (
    SELECT customer_id, count(*) AS n, max(occurred_at) AS last_at,
           max(id) FILTER (WHERE recency = 1) AS last_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
    FROM ordered GROUP BY customer_id
), due AS (
    SELECT customer_id, last_id,
           last_at + median_gap * %(k)s * interval '1 second' AS due_at
    FROM per_customer WHERE n >= %(min_events)s AND median_gap > 0
)
SELECT customer_id, last_id, due_at FROM due
WHERE due_at <= %(now)s AND (%(start)s::timestamptz IS NULL OR due_at > %(start)s)
ORDER BY customer_id
"""


def _rhythm_due(config: InactivityTriggerConfig, start: datetime | None,
                           now: datetime) -> dict[int, tuple[int, datetime]]:
    sql = _RHYTHM_SQL.format(events=connection.ops.quote_name(Event._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"type": config.event_type, "now": now, "start": start,
                             "k": config.multiplier, "min_events": config.min_events})
        return {customer_id: (last_id, due_at) for customer_id, last_id, due_at in cursor}


# --- schedule ---------------------------------------------------------------------------


def schedule_scan(now: datetime | None = None) -> int:
    """Fan out every live trigger.schedule whose next fire time has come; compute the next
    one. Missed ticks (scheduler down) collapse into one. Returns the fan-outs started."""
    now = now or timezone.now()
    fired = 0
    for entry in triggers_for(TriggerKind.SCHEDULE):
        config = _config(entry, ScheduleTriggerConfig)
        if config is None:
            continue
        with _isolated(entry):
            next_at = _parse(entry.state.get("next_at"))
            if next_at is None:
                # First sight: a tick in the last minute (while going live) still counts.
                next_at = schedule_next(config, now - SCHEDULE_GRACE)
            if next_at <= now and not Segment.objects.filter(pk=config.segment_id).exists():
                logger.warning("schedule %s of workflow %s: segment %s is gone; tick skipped",
                               entry.node_id, entry.workflow_id, config.segment_id)
                next_at = schedule_next(config, now)
            if next_at <= now:
                fanout_start(entry.workflow, segment_id=config.segment_id,
                             trigger_node=entry.node_id,
                             entry_prefix=f"schedule:{entry.node_id}:{next_at:%Y%m%dT%H%M%SZ}",
                             batch_size=config.batch_size)
                fired += 1
                next_at = schedule_next(config, now)
            _state_save(entry, next_at=next_at.isoformat())
    fanouts_resume(now)
    return fired


# --- shared -----------------------------------------------------------------------------


@contextmanager
def _isolated(entry: TriggerEntry) -> Iterator[None]:
    """One broken trigger (a query error, a deleted segment) must not stop the others;
    its mark stays, so the next scan tries its window again."""
    try:
        yield
    except Exception:
        logger.exception("scan of trigger %s of workflow %s failed", entry.node_id,
                         entry.workflow_id)


def _config(entry: TriggerEntry, model: type) -> Any:
    """The node's validated config model, or None (logged) if it no longer validates."""
    node = compiled_version(entry.version_id).nodes.get(entry.node_id)
    if node is None or node.error or not isinstance(node.config, model):
        logger.error("trigger %s of workflow %s has no valid config: %s", entry.node_id,
                     entry.workflow_id, node.error if node else "node missing")
        return None
    return node.config


def _window_start(entry: TriggerEntry, key: str, now: datetime) -> datetime:
    mark = _parse(entry.state.get(key))
    start = mark if mark is not None else now - FIRST_SCAN_GRACE
    return max(start, now - MAX_CATCH_UP)


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _state_save(entry: TriggerEntry, **changes: Any) -> None:
    entry.state = {**entry.state, **changes}
    TriggerEntry.objects.filter(pk=entry.pk).update(state=entry.state)


def _entry(entry: TriggerEntry, customer_id: int, key: str) -> Entry:
    return Entry(workflow_id=entry.workflow_id, version_id=entry.version_id,
                 trigger_node=entry.node_id, customer_id=customer_id, entry_key=key)


def _start_all(trigger: TriggerEntry, entries: Iterator[Entry], now: datetime) -> int:
    """runs_start in batches (one short transaction each); returns the runs started."""
    started = 0
    batch: list[Entry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= START_BATCH:
            started += len(runs_start(batch, now=now, inline=Inline()).started)
            batch = []
    if batch:
        started += len(runs_start(batch, now=now, inline=Inline()).started)
    if started:
        logger.info("trigger %s of workflow %s started %d runs", trigger.node_id,
                    trigger.workflow_id, started)
    return started
