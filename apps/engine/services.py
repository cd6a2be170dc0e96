"""Writes on runs from outside the interpreter: end (cancel, or exit on a goal), retry,
and pruning old step details. Each takes the run's row lock like the interpreter does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.engine.counts import node_counts_add
from apps.engine.models import ACTIVE_STATES, Run, RunState, Step, Wait
from apps.engine.starting import Entry, runs_enqueue, runs_start


class RunStateError(Exception):
    """The run is not in a state that allows this (e.g. retrying a completed run)."""


def runs_end(run_ids: Iterable[int], *, verb: str, reason: str = "",
             now: datetime | None = None) -> int:
    """Cancel (verb="cancel") or exit (verb="exit") active runs; returns how many ended.
    Runs already ended are left as they are."""
    if verb not in {"cancel", "exit"}:
        raise ValueError(verb)
    now = now or timezone.now()
    ended = 0
    for run_id in run_ids:
        with transaction.atomic():
            run = Run.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.state not in ACTIVE_STATES:
                continue
            getattr(run, verb)()
            run.exit_reason = reason[:200]
            run.ended_at = run.updated_at = now
            run.frontier, run.open_waits = [], 0
            run.save()
            Wait.objects.filter(run=run).delete()
            Step.objects.create(run=run, node_id="", block_type="", outcome=verb,
                                detail={"reason": reason}, started_at=now)
            node_counts_add(run.workflow_id, Counter({("", f"{verb}ed"): 1}), shard=run.pk)
            ended += 1
    return ended


def run_retry(run_id: int, *, from_trigger: bool = False, now: datetime | None = None
              ) -> Run:
    """Retry a failed run. From the failed step: the same run goes on where it failed
    (its version, its effects so far kept). From the trigger: a new run of the workflow's
    current published version for the same customer and event."""
    now = now or timezone.now()
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("workflow").get(pk=run_id)
        if run.state != RunState.FAILED:
            raise RunStateError(f"only failed runs can be retried; this one is {run.state}")
        if from_trigger:
            version_id = run.workflow.published_version_id
            if version_id is None:
                raise RunStateError("the workflow has no published version")
            attempt = Run.objects.filter(workflow_id=run.workflow_id,
                                         entry_key__startswith=f"retry:{run.pk}:").count() + 1
            result = runs_start([Entry(
                workflow_id=run.workflow_id, version_id=version_id,
                trigger_node=run.trigger_node, customer_id=run.customer_id,
                entry_key=f"retry:{run.pk}:{attempt}", event_id=run.trigger_event_id,
                ignore_re_entry=True)], now=now)
            if not result.started:
                raise RunStateError("the customer already has the most active runs allowed")
            return Run.objects.get(pk=result.started[0])
        run.retry()
        run.attempts = 0
        run.error, run.failed_node = "", ""
        run.ended_at = None
        run.updated_at = run.enqueued_at = now
        run.save()
        runs_enqueue([run.pk])
    return run


def steps_prune(*, now: datetime | None = None, retention_days: int | None = None,
                batch: int = 10_000) -> int:
    """Delete step details of runs that ended longer ago than the retention; the runs
    (their summary) and the node counts stay. Returns the number of steps deleted."""
    now = now or timezone.now()
    days = retention_days if retention_days is not None else \
        settings.KEEPFLOW_ENGINE["STEP_RETENTION_DAYS"]
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(Step.objects.filter(run__ended_at__lt=cutoff)
                   .values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Step.objects.filter(pk__in=ids).delete()[0]
