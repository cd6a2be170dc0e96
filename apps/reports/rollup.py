"""The workflow report's daily rollup: built and kept current by a periodic task, read by
the report for whole days (docs/reports.md#how-it-is-computed).

Closed UTC days are rolled up once: per (day, previous entry day, version, holdout),
the customers whose first entry of the day it was and their conversions, counting the
goal events up to a watermark (an event id). Entries of a closed day never change; their
conversions do, as goal events arrive, so each pass adds, for the customers who had goal
events since the last watermark, the change in their counts (new minus old), and a
report adds the same change for the events after the rollup's watermark. The counts are
therefore those of the statement over the raw tables, exactly (tests/reports/
test_rollup.py). A full rebuild happens when the goal changes and once a day (it also
forgets erased customers and heals events committed long after they were received).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from apps.customers.models import Event
from apps.engine.models import Run
from apps.reports.models import ReportDay, ReportRollup
from apps.workflows.models import Workflow, WorkflowVersion
from apps.workflows.schemas import Goal

# Everyone who entered ("") and each node their run passed: one row per (entry, node).
NODES_SQL = ("SELECT ''::text AS node_id UNION ALL SELECT jsonb_object_keys("
             "CASE jsonb_typeof(e.visits) WHEN 'object' THEN e.visits ELSE '{}' END)")
# Events received this long ago are taken as committed: the watermark stays behind them.
SETTLE = timedelta(minutes=5)
REBUILD_AFTER = timedelta(hours=24)
_LOCK = 0x52505452  # "RPTR": advisory lock space of the rollup


@dataclass(frozen=True)
class DayCell:
    version_id: int
    holdout: str
    day: date
    prev_day: date | None
    node_id: str  # "" for all who entered, else those whose run passed this node
    customers: int
    converted: int
    value: float
    value_squares: float


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def goal_key(goal: Goal | None) -> str:
    """What the rollup's conversions were counted for ("" without a goal)."""
    if goal is None:
        return ""
    return json.dumps(goal.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def day_cells(workflow_id: int, goal: Goal | None, *, day_to: date,
              day_from: date | None = None, prev_before: date | None = None,
              customers: tuple[str, list[Any]] | None = None,
              events_upto: int | None = None, events_after: int | None = None,
              now: datetime) -> list[DayCell]:
    """Per (version, holdout, day, previous entry day): the customers whose first entry of
    a UTC day in [day_from, day_to) it was (only those whose previous entry day is before
    `prev_before`, if given; only `customers`, a subquery, if given) and their
    conversions, counting goal events with ids up to `events_upto` (all if None).

    With `events_after`: the change from counting the goal events up to that id to
    counting them up to `events_upto`; customers are then 0."""
    from apps.reports.selectors import goal_events_sql

    runs = Run._meta.db_table
    day = "(r.created_at AT TIME ZONE 'UTC')::date"
    where = ["r.workflow_id = %s", "r.created_at < %s"]
    params: list[Any] = [workflow_id, midnight(day_to)]
    if customers is not None:
        where.append(f"r.customer_id IN ({customers[0]})")
        params += customers[1]
    # Every earlier entry day of the chosen customers, for the previous entry day.
    entries = (
        f"SELECT customer_id, version_id, holdout, created_at, visits, day, "
        f"lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS prev_day FROM ("
        f"SELECT DISTINCT ON (r.customer_id, {day}) r.customer_id, r.version_id, r.holdout, "
        f"r.created_at, r.visits, {day} AS day FROM {runs} r WHERE {' AND '.join(where)} "
        f"ORDER BY r.customer_id, {day}, r.created_at, r.id) f")
    chosen = ["true"]
    chosen_params: list[Any] = []
    if day_from is not None:
        chosen.append("e.day >= %s")
        chosen_params.append(day_from)
    if prev_before is not None:
        chosen.append("(e.prev_day IS NULL OR e.prev_day < %s)")
        chosen_params.append(prev_before)
    if goal is None:
        conv = (f"SELECT e.*, 0 AS n, 0.0 AS v, 0 AS n_old, 0.0 AS v_old FROM entries e "
                f"WHERE {' AND '.join(chosen)}")
        params += chosen_params
    else:
        goal_sql, goal_params = goal_events_sql(goal, now)
        new = "g.id <= %s" if events_upto is not None else "true"
        old = "g.id <= %s" if events_after is not None else "false"
        window = ""
        if goal.within_days:
            window = "AND g.occurred_at <= e.created_at + make_interval(days => %s)"
        conv = (
            f"SELECT e.*, c.n, c.v, c.n_old, c.v_old FROM entries e LEFT JOIN LATERAL ("
            f"SELECT count(*) FILTER (WHERE {new}) AS n, "
            f"coalesce(sum(g.goal_value) FILTER (WHERE {new}), 0) AS v, "
            f"count(*) FILTER (WHERE {old}) AS n_old, "
            f"coalesce(sum(g.goal_value) FILTER (WHERE {old}), 0) AS v_old "
            f"FROM ({goal_sql}) g WHERE g.customer_id = e.customer_id "
            f"AND g.occurred_at > e.created_at {window}) c ON true "
            f"WHERE {' AND '.join(chosen)}")
        # Each bound is used twice: by a count and by a sum.
        params += _pairs(events_upto) + _pairs(events_after) + list(goal_params)
        if goal.within_days:
            params.append(goal.within_days)
        params += chosen_params
    keys = "e.version_id, e.holdout, e.day, e.prev_day, n.node_id"
    sql = (
        f"WITH entries AS ({entries}), conv AS ({conv}) "
        f"SELECT {keys}, count(*), count(*) FILTER (WHERE e.n > 0), "
        f"coalesce(sum(e.v), 0), coalesce(sum(e.v * e.v), 0), "
        f"count(*) FILTER (WHERE e.n_old > 0), coalesce(sum(e.v_old), 0), "
        f"coalesce(sum(e.v_old * e.v_old), 0) "
        f"FROM conv e CROSS JOIN LATERAL ({NODES_SQL}) n GROUP BY {keys}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cells = []
    for version_id, holdout, d, prev, node, n, x, s, s2, x_old, s_old, s2_old in rows:
        if events_after is None:
            cells.append(DayCell(int(version_id), holdout or "", d, prev, node, int(n), int(x),
                                 float(s), float(s2)))
        elif (x, s, s2) != (x_old, s_old, s2_old):
            cells.append(DayCell(int(version_id), holdout or "", d, prev, node, 0,
                                 int(x) - int(x_old), float(s) - float(s_old),
                                 float(s2) - float(s2_old)))
    return cells


def _pairs(bound: int | None) -> list[Any]:
    return [] if bound is None else [bound, bound]


def goal_customers_sql(goal: Goal, after: int, upto: int | None) -> tuple[str, list[Any]]:
    """Customers with goal events (of the goal's type) with ids in (after, upto]: a scan
    of the events' primary key from the watermark on, no other index needed."""
    sql = f"SELECT g.customer_id FROM {Event._meta.db_table} g WHERE g.id > %s AND g.type = %s"
    params: list[Any] = [after, goal.event_type]
    if upto is not None:
        sql += " AND g.id <= %s"
        params.append(upto)
    return sql, params


def event_watermark(now: datetime, settle: timedelta = SETTLE) -> int:
    """The newest event id received before now - settle (0 if none): a backward scan of
    the primary key over the last few minutes' events."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Event._meta.db_table} WHERE received_at < %s "
                       f"ORDER BY id DESC LIMIT 1", [now - settle])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def workflow_rollup(workflow_id: int, goal: Goal | None, *, now: datetime | None = None,
                    settle: timedelta = SETTLE, rebuild: bool = False) -> bool:
    """Bring one workflow's rollup up to the day before `now` and the settled events:
    a full build when there is none, the goal changed, or the last is a day old; else
    the new closed days and the conversions' change since the last watermark. Safe to
    repeat and to run concurrently (the second waits out nothing: it skips). False when
    skipped."""
    now = now or timezone.now()
    today = utc_day(now)
    key = goal_key(goal)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK, workflow_id])
            if not cursor.fetchone()[0]:
                return False
        watermark = event_watermark(now, settle) if goal is not None else 0
        state = ReportRollup.objects.select_for_update().filter(workflow_id=workflow_id).first()
        if (rebuild or state is None or state.goal_key != key
                or now - state.built_at >= REBUILD_AFTER):
            ReportDay.objects.filter(workflow_id=workflow_id).delete()
            _insert(workflow_id, day_cells(workflow_id, goal, day_to=today,
                                           events_upto=watermark if goal else None, now=now))
            ReportRollup.objects.update_or_create(workflow_id=workflow_id, defaults={
                "goal_key": key, "through_day": today, "event_watermark": watermark,
                "built_at": now, "advanced_at": now})
            return True
        if goal is not None and watermark > state.event_watermark:
            changed = goal_customers_sql(goal, state.event_watermark, watermark)
            for cell in day_cells(workflow_id, goal, day_to=state.through_day,
                                  customers=changed, events_upto=watermark,
                                  events_after=state.event_watermark, now=now):
                _add(workflow_id, cell)
        if today > state.through_day:
            runs = Run._meta.db_table
            entered = (f"SELECT customer_id FROM {runs} WHERE workflow_id = %s "
                       f"AND created_at >= %s AND created_at < %s",
                       [workflow_id, midnight(state.through_day), midnight(today)])
            _insert(workflow_id, day_cells(
                workflow_id, goal, day_from=state.through_day, day_to=today,
                customers=entered, events_upto=watermark if goal else None, now=now))
        state.through_day = max(today, state.through_day)
        state.event_watermark = max(watermark, state.event_watermark)
        state.advanced_at = now
        state.save(update_fields=["through_day", "event_watermark", "advanced_at"])
    return True


def _insert(workflow_id: int, cells: list[DayCell]) -> None:
    ReportDay.objects.bulk_create(
        [ReportDay(workflow_id=workflow_id, version_id=c.version_id, holdout=c.holdout,
                   node_id=c.node_id, day=c.day, prev_day=c.prev_day, customers=c.customers,
                   converted=c.converted, value=c.value, value_squares=c.value_squares)
         for c in cells], batch_size=2_000)


def _add(workflow_id: int, cell: DayCell) -> None:
    """Add a change of conversions to its (existing) row."""
    updated = ReportDay.objects.filter(
        workflow_id=workflow_id, day=cell.day, version_id=cell.version_id,
        holdout=cell.holdout, node_id=cell.node_id,
        **({"prev_day": cell.prev_day} if cell.prev_day else {"prev_day__isnull": True}),
    ).update(converted=F("converted") + cell.converted, value=F("value") + cell.value,
             value_squares=F("value_squares") + cell.value_squares)
    if updated != 1:  # cannot happen: every entry of a rolled-up day has its row
        raise RuntimeError(f"report rollup: no row for {cell}")


def rollup_read(workflow_id: int, day_from: date,
                day_to: date) -> list[tuple[int, str, str, int, int, float, float]]:
    """Per (version, holdout, node): the rolled-up customers whose first entry in [day_from,
    day_to) was on a day in it (their previous entry day is before day_from)."""
    rows = (ReportDay.objects
            .filter(workflow_id=workflow_id, day__gte=day_from, day__lt=day_to)
            .filter(Q(prev_day__isnull=True) | Q(prev_day__lt=day_from))
            .values_list("version_id", "holdout", "node_id")
            .order_by()
            .annotate(n=Sum("customers"), x=Sum("converted"), s=Sum("value"),
                      s2=Sum("value_squares")))
    return [(v, h, node, int(n), int(x), float(s), float(s2))
            for v, h, node, n, x, s, s2 in rows]


def reports_rollup_all(now: datetime | None = None) -> int:
    """Every workflow that has runs, one after another; a pass still going makes the next
    one a no-op (a backlog of beats does not multiply the work). Returns the workflows
    brought up to date."""
    from apps.reports.selectors import workflow_settings

    now = now or timezone.now()
    done = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [_LOCK])
        if not cursor.fetchone()[0]:
            return 0
    try:
        # Runs need a version: workflows never published have none.
        versions = WorkflowVersion.objects.values("workflow_id")
        for workflow in (Workflow.objects.filter(pk__in=versions)
                         .select_related("published_version").order_by("pk")):
            if workflow_rollup(workflow.pk, workflow_settings(workflow).goal, now=now):
                done += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [_LOCK])
    return done
