"""Response targets (SLA) of agent tasks: where a task stands against its queue's target,
the overdue sweep that tells workflows (`task.overdue`), and the counts the inbox, the
dashboard and the weekly report show.

A task's clock starts when it falls due and counts open hours only (`respond_by`, set
when the task is built); it is met when the task is done by then. Cancelled tasks count
neither way."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import EventSource
from apps.tasks.models import OPEN_STATES, Task, TaskState

SlaState = Literal["on_track", "at_risk", "overdue", "met", "missed"]
SLA_STATES: tuple[SlaState, ...] = ("on_track", "at_risk", "overdue", "met", "missed")
SWEEP_BATCH = 500


def sla_state(task: Task, now: dt.datetime) -> SlaState | None:
    """None when the task's queue sets no target, or the task was cancelled."""
    if task.respond_by is None or task.state == TaskState.CANCELLED:
        return None
    if task.state == TaskState.DONE:
        return "met" if task.closed_at is not None and task.closed_at <= task.respond_by \
            else "missed"
    if now >= task.respond_by:
        return "overdue"
    if task.at_risk_at is not None and now >= task.at_risk_at:
        return "at_risk"
    return "on_track"


def sla_filter(tasks: QuerySet[Task], state: str, now: dt.datetime) -> QuerySet[Task]:
    """The same states as `sla_state`, as a query (the inbox filter)."""
    open_ = Q(state__in=OPEN_STATES, respond_by__isnull=False)
    done = Q(state=TaskState.DONE, respond_by__isnull=False)
    conditions = {
        "on_track": open_ & Q(respond_by__gt=now) & (Q(at_risk_at__gt=now)
                                                     | Q(at_risk_at__isnull=True)),
        "at_risk": open_ & Q(respond_by__gt=now, at_risk_at__lte=now),
        "overdue": open_ & Q(respond_by__lte=now),
        "met": done & Q(closed_at__lte=F("respond_by")),
        "missed": done & Q(closed_at__gt=F("respond_by")),
    }
    return tasks.filter(conditions[state])


def tasks_overdue_note(now: dt.datetime, limit: int = SWEEP_BATCH) -> int:
    """Emit `task.overdue` once for each open task past its target (at most `limit` per
    call, oldest first); returns how many. Rows are marked in the same transaction and
    locked with SKIP LOCKED, so two sweeps never emit for the same task, and a backlog is
    worked off in order rather than re-sent."""
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "assignee")
            .filter(state__in=OPEN_STATES, overdue_noted_at__isnull=True,
                    respond_by__isnull=False, respond_by__lte=now)
            .order_by("respond_by", "id")[:limit]
        )
        if not tasks:
            return 0
        events_ingest([_overdue_event(task, now) for task in tasks], source=EventSource.INTERNAL)
        Task.objects.filter(pk__in=[task.pk for task in tasks]).update(overdue_noted_at=now)
    return len(tasks)


def _overdue_event(task: Task, now: dt.datetime) -> EventIn:
    assert task.respond_by is not None
    return EventIn(
        customer_external_id=task.customer.external_id, type="task.overdue",
        properties={"task_id": task.id, "queue": task.queue, "kind": task.kind,
                    "title": task.title, "priority": task.priority,
                    "assignee": task.assignee.username if task.assignee else None,
                    "respond_by": task.respond_by.isoformat()},
        occurred_at=task.respond_by, idempotency_key=f"task:{task.id}:overdue",
    )


def sla_summary(now: dt.datetime) -> dict[str, Any]:
    """Open tasks at risk and overdue, overall and per queue (the dashboard's counts)."""
    rows = (Task.objects.filter(state__in=OPEN_STATES, respond_by__isnull=False,
                                at_risk_at__lte=now)
            .values("queue")
            .annotate(overdue=Count("id", filter=Q(respond_by__lte=now)),
                      at_risk=Count("id", filter=Q(respond_by__gt=now)))
            .order_by("queue"))
    queues = [{"queue": row["queue"], "at_risk": row["at_risk"], "overdue": row["overdue"]}
              for row in rows]
    return {"at_risk": sum(q["at_risk"] for q in queues),
            "overdue": sum(q["overdue"] for q in queues), "queues": queues}


def sla_weekly(date_from: dt.datetime, date_to: dt.datetime,
               now: dt.datetime) -> list[dict[str, Any]]:
    """Per queue and week (Monday start, UTC) of the target: how many tasks were done in
    time, how many missed it (done late, or still open past it: waiting longer cannot make
    them in time) and how many are open and still in time (not decided yet)."""
    rows = (Task.objects.filter(respond_by__gte=date_from, respond_by__lt=date_to)
            .exclude(state=TaskState.CANCELLED)
            .annotate(week=TruncWeek("respond_by", tzinfo=dt.UTC))
            .values("queue", "week")
            .annotate(
                met=Count("id", filter=Q(state=TaskState.DONE,
                                         closed_at__lte=F("respond_by"))),
                missed=Count("id", filter=Q(state=TaskState.DONE, closed_at__gt=F("respond_by"))
                             | Q(state__in=OPEN_STATES, respond_by__lte=now)),
                pending=Count("id", filter=Q(state__in=OPEN_STATES, respond_by__gt=now)),
            ).order_by("queue", "week"))
    out = []
    for row in rows:
        decided = row["met"] + row["missed"]
        out.append({"queue": row["queue"], "week": row["week"].date(), "met": row["met"],
                    "missed": row["missed"], "pending": row["pending"],
                    "share_met": round(row["met"] / decided, 4) if decided else None})
    return out
