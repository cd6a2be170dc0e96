"""The periodic trigger scans, generic over the scans that scan triggers declare
(`TriggerSpec.scan` in blocks/base.py: name, interval, and the block's function that finds
who is due). The core ones: date (every 5 minutes), inactivity (every 15 minutes) and
schedule (every minute); a new scan trigger is one block module and its registry line.

Every minute `trigger_scans_due` scans each live scan trigger whose interval has passed
since its previous scan. The engine keeps the window: each trigger's high-water mark
(`scanned_to` in TriggerEntry.state); the block looks at due times in (since, now] and
gives back runs to start (`ScanStart`, with an entry key such as
date:<attribute>:<day>:<customer>, so a window scanned twice starts nothing twice) or
fan-outs over a segment (`ScanFanOut`), plus its own state for next time (the schedule's
next fire time). State and mark are saved once everything found has started.

A trigger seen for the first time (just published or resumed: the index is rebuilt then)
starts its window the scan's `first_grace` before now, so a date long past never fires
when a workflow goes live, and a due time that fell between two scans around a re-publish
is not lost. After an outage a scan catches up at most its `max_catch_up`.

`Scan` implements the queries scans may run (blocks/base.py ScanContext): SQL over the
customers and events tables, read in chunks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
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
from apps.engine.models import TriggerEntry
from apps.engine.starting import Entry, Inline, runs_start
from apps.engine.triggers import triggers_for
from blocks.base import ScanFanOut, ScanSpec, ScanStart
from blocks.registry import scan_find, scans_all

logger = logging.getLogger(__name__)

MARK = "scanned_to"  # the engine's own key in TriggerEntry.state
# The beat task runs every minute: a trigger is due when its interval has passed, give or
# take this much (so a 5-minute scan does not slip to 6 minutes on a late tick).
TICK_SLACK = timedelta(seconds=30)
START_BATCH = 500  # entries per runs_start call (one transaction each)
READ_CHUNK = 2_000


# --- running the declared scans -----------------------------------------------------------


def trigger_scans_due(now: datetime | None = None) -> int:
    """Scan every live scan trigger whose interval has passed (the beat task, every
    minute). Returns the runs and fan-outs started."""
    now = now or timezone.now()
    started = sum(_scan_all(scan, now, due_only=True) for scan in scans_all())
    fanouts_resume(now)
    return started


def trigger_scan(name: str, now: datetime | None = None) -> int:
    """Scan every live trigger of one scan now, whatever their last scan. Returns the runs
    and fan-outs started."""
    scan = scan_find(name)
    if scan is None:
        raise KeyError(f"no block declares the scan {name!r}")
    now = now or timezone.now()
    started = _scan_all(scan, now, due_only=False)
    fanouts_resume(now)
    return started


def _scan_all(scan: ScanSpec, now: datetime, *, due_only: bool) -> int:
    started = 0
    for entry in triggers_for(scan.name):
        mark = _parse(entry.state.get(MARK))
        if due_only and mark is not None and now - mark < scan.every - TICK_SLACK:
            continue
        config = _config(entry)
        if config is None:
            continue
        with _isolated(entry):
            since = mark if mark is not None else now - scan.first_grace
            context = Scan(now=now, since=max(since, now - scan.max_catch_up),
                           state=entry.state, node_id=entry.node_id,
                           workflow_id=entry.workflow_id)
            result = scan.run(context, config)
            started += _start_all(entry, result.found, now)
            _state_save(entry, {**result.state, MARK: now.isoformat()})
    return started


class Scan:
    """One live trigger's scan: its window, and the queries scans may run."""

    def __init__(self, *, now: datetime, since: datetime, state: Mapping[str, Any],
                 node_id: str, workflow_id: int) -> None:
        self.now = now
        self.since = since
        self.state: Mapping[str, Any] = state
        self.node_id = node_id
        self.workflow_id = workflow_id

    def customers_by_attribute_text(self, attribute: str, low: str, high: str
                                    ) -> Iterator[tuple[int, Any, str]]:
        rows = Customer.objects.filter(erased_at__isnull=True) \
            .annotate(day=Cast(KeyTextTransform(attribute, "attributes"), TextField())) \
            .filter(day__gte=low, day__lt=high) \
            .values_list("pk", "day", "timezone").order_by("pk")
        yield from rows.iterator(chunk_size=READ_CHUNK)

    def last_events(self, event_type: str, *, occurred_after: datetime | None,
                    occurred_until: datetime) -> Iterator[tuple[int, int, datetime]]:
        """Through the (type, occurred_at) index; ordered by customer, latest first."""
        later = Event.objects.filter(customer_id=OuterRef("customer_id"), type=event_type,
                                     occurred_at__gt=OuterRef("occurred_at"),
                                     occurred_at__lte=self.now)
        events = Event.objects.filter(type=event_type, occurred_at__lte=occurred_until)
        if occurred_after is not None:
            events = events.filter(occurred_at__gt=occurred_after)
        rows = events.filter(~Exists(later)).order_by("customer_id", "-occurred_at", "-id") \
            .values_list("customer_id", "pk", "occurred_at")
        yield from rows.iterator(chunk_size=READ_CHUNK)

    def events_overdue(self, event_type: str, *, multiplier: float, min_events: int,
                       since: datetime | None) -> Iterator[tuple[int, int, datetime]]:
        sql = _RHYTHM_SQL.format(events=connection.ops.quote_name(Event._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, {"type": event_type, "now": self.now, "start": since,
                                 "k": multiplier, "min_events": min_events})
            yield from cursor.fetchall()


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


def _config(entry: TriggerEntry) -> Any:
    """The node's validated config model, or None (logged) if it no longer validates."""
    node = compiled_version(entry.version_id).nodes.get(entry.node_id)
    if node is None or node.error or node.config is None:
        logger.error("trigger %s of workflow %s has no valid config: %s", entry.node_id,
                     entry.workflow_id, node.error if node else "node missing")
        return None
    return node.config


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _state_save(entry: TriggerEntry, state: dict[str, Any]) -> None:
    entry.state = state
    TriggerEntry.objects.filter(pk=entry.pk).update(state=state)


def _entry(entry: TriggerEntry, customer_id: int, key: str) -> Entry:
    return Entry(workflow_id=entry.workflow_id, version_id=entry.version_id,
                 trigger_node=entry.node_id, customer_id=customer_id, entry_key=key)


def _fan_out(trigger: TriggerEntry, fan_out: ScanFanOut) -> int:
    """A fan-out over a segment; a segment deleted since publishing skips it (logged)."""
    if not Segment.objects.filter(pk=fan_out.segment_id).exists():
        logger.warning("trigger %s of workflow %s: segment %s is gone; fan-out skipped",
                       trigger.node_id, trigger.workflow_id, fan_out.segment_id)
        return 0
    fanout_start(trigger.workflow, segment_id=fan_out.segment_id, trigger_node=trigger.node_id,
                 entry_prefix=fan_out.key_prefix, batch_size=fan_out.batch_size)
    return 1


def _start_all(trigger: TriggerEntry, found: Iterable[ScanStart | ScanFanOut],
               now: datetime) -> int:
    """runs_start in batches (one short transaction each), fan-outs as they come; returns
    the runs and fan-outs started."""
    started = 0
    batch: list[Entry] = []
    for item in found:
        if isinstance(item, ScanFanOut):
            started += _fan_out(trigger, item)
            continue
        batch.append(_entry(trigger, item.customer_id, item.key))
        if len(batch) >= START_BATCH:
            started += len(runs_start(batch, now=now, inline=Inline()).started)
            batch = []
    if batch:
        started += len(runs_start(batch, now=now, inline=Inline()).started)
    if started:
        logger.info("trigger %s of workflow %s started %d", trigger.node_id,
                    trigger.workflow_id, started)
    return started
