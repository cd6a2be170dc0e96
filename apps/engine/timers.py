"""The scheduler's side: wake due waits in batches, and find runs a dead worker dropped.

Waking is one statement per batch: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED
LIMIT n) RETURNING run_id marks the waits fired (timeout port for event waits), and the
same statement marks their runs enqueued; then the runs are handed to workers. Nothing
sits in a worker's memory or in a broker ETA while it waits.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.engine.models import Run, RunState, Wait
from apps.engine.starting import runs_enqueue


def timers_wake(*, now: datetime | None = None, batch: int | None = None,
                budget_seconds: float | None = None) -> int:
    """Fire every wait due by `now`; returns how many were fired."""
    config = settings.KEEPFLOW_ENGINE
    batch = batch or config["WAKE_BATCH"]
    budget = budget_seconds if budget_seconds is not None else config["WAKE_BUDGET_SECONDS"]
    deadline = time.monotonic() + budget
    total = 0
    while True:
        current = now or timezone.now()
        with transaction.atomic():
            run_ids = _fire_batch(current, batch)
            if run_ids:
                runs_enqueue(run_ids, batch=config["WAKE_ADVANCE_BATCH"])
        total += len(run_ids)
        if len(run_ids) < batch or time.monotonic() > deadline:
            return total


def _fire_batch(now: datetime, batch: int) -> list[int]:
    """Fire up to `batch` due waits and mark their runs enqueued; returns the run ids.
    One statement does both (the ids never travel to Python and back)."""
    waits, runs = Wait._meta.db_table, Run._meta.db_table
    due = (f"SELECT id FROM {waits} WHERE fired_at IS NULL AND wake_at <= %s "
           f"ORDER BY wake_at LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH fired AS (UPDATE {waits} SET fired_at = %s, fired_port = port "
            f"WHERE id IN ({due} FOR UPDATE SKIP LOCKED) RETURNING run_id) "
            f"UPDATE {runs} SET enqueued_at = %s "
            f"WHERE id IN (SELECT run_id FROM fired) RETURNING id",
            [now, now, batch, now])
        return sorted(row[0] for row in cursor.fetchall())


def runs_sweep(*, now: datetime | None = None) -> int:
    """Enqueue again the runs that should be moving but are not: pending or running with
    no progress for the lease time (their worker died or their message was lost), and
    waiting runs with a fired wait left unconsumed."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.KEEPFLOW_ENGINE["LEASE_SECONDS"])
    stale = Q(state__in=[RunState.PENDING, RunState.RUNNING], updated_at__lt=now - lease) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lease))
    fired = Wait.objects.filter(fired_at__lt=now - lease).values("run_id")
    woken = Q(state=RunState.WAITING, pk__in=fired) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - lease))
    ids = list(Run.objects.filter(stale | woken).values_list("id", flat=True)[:50_000])
    if ids:
        Run.objects.filter(pk__in=ids).update(enqueued_at=now)
        runs_enqueue(ids)
    return len(ids)
