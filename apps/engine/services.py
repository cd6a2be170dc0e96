"""Writes on runs from outside the interpreter: end (cancel, or exit on a goal), retry,
and pruning old step details. Each takes the run's row lock like the interpreter does."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.customers.models import Customer, Segment
from apps.engine.graph import compiled_version
from apps.engine.models import ACTIVE_STATES, Fanout, Run, RunState, Step, Wait
from apps.engine.starting import Entry, runs_enqueue, runs_start
from apps.workflows.dryrun import WalkResult
from apps.workflows.errors import InputInvalid, WorkflowError
from apps.workflows.models import Workflow, WorkflowState, WorkflowVersion


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
            run.step_count += 1
            run.save()
            Wait.objects.filter(run=run).delete()
            Step.objects.create(run=run, node_id="", block_type="", outcome=verb,
                                detail={"reason": reason}, started_at=now)
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
            if run.workflow.state != WorkflowState.PUBLISHED:  # paused: no new runs
                raise RunStateError(f"the workflow is {run.workflow.state}; resume it to "
                                    "retry from the trigger")
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


# --- operations from the API: manual starts, bulk cancel, dry run -------------------------
# (errors are the workflows app's domain errors, so the API answers in the one error shape)

MANUAL_PREFIX = "manual"


class RunConflict(WorkflowError):
    """The request is fine but the runs' state refuses it (e.g. the active-run limit)."""

    status = 409
    code = "conflict"


class IdempotencyKeyReused(WorkflowError):
    """The same Idempotency-Key with a different request (as Stripe answers): without it
    the second request would get the first one's run and be dropped without a word."""

    status = 422
    code = "idempotency_key_reused"


def _key_reused(what: str) -> IdempotencyKeyReused:
    message = _("This Idempotency-Key was already used to start runs for {what}.").format(
        what=what)
    return IdempotencyKeyReused(message, [{"field": "Idempotency-Key",
                                           "code": IdempotencyKeyReused.code,
                                           "message": message}])


def _invalid(field: str, code: str, message: str) -> InputInvalid:
    return InputInvalid(message, [{"field": field, "code": code, "message": message}])


def _live_version(workflow: Workflow) -> WorkflowVersion:
    if workflow.state != WorkflowState.PUBLISHED or workflow.published_version is None:
        raise _invalid("workflow", "not_published",
                       f"The workflow is {workflow.state}: only a published workflow starts "
                       "runs.")
    return workflow.published_version


def _start_node(version: WorkflowVersion, trigger: str | None) -> str:
    """The node a manual start enters by: the named trigger node, else the version's
    manual trigger (the first in the graph whose block declares TriggerKind.MANUAL)."""
    from blocks.base import Category, TriggerKind

    graph = compiled_version(version.pk)
    triggers = {node_id: node for node_id, node in graph.nodes.items()
                if node.spec is not None and node.spec.category == Category.TRIGGER}
    if trigger:
        if trigger not in triggers:
            raise _invalid("trigger", "not_a_trigger",
                           f"{trigger!r} is not a trigger node of the published version.")
        return trigger
    manual = [node_id for node_id, node in triggers.items()
              if node.spec is not None and node.spec.trigger is not None
              and node.spec.trigger.kind == TriggerKind.MANUAL]
    if not manual:
        raise _invalid("trigger", "no_manual_trigger", _(
            "The published version has no trigger that starts by hand or by API; add one, "
            "or name the trigger node to start at in `trigger`."))
    return manual[0]


def customer_by_external_id(external_id: str, *, field: str = "customer_id") -> Customer:
    customer = Customer.objects.filter(external_id=external_id, erased_at__isnull=True).first()
    if customer is None:
        raise _invalid(field, "not_found", f"No customer with external id {external_id!r}.")
    return customer


def run_manual_start(workflow_id: int, *, customer_external_id: str, trigger: str | None = None,
                     key: str | None = None, now: datetime | None = None) -> tuple[Run, bool]:
    """Start one run for one customer now (re-entry policy ignored: a person decided).
    The same `key` (an Idempotency-Key) returns the run it started the first time;
    returns (run, created)."""
    workflow = Workflow.objects.select_related("published_version").get(pk=workflow_id)
    entry_key = f"{MANUAL_PREFIX}:{key or uuid.uuid4().hex}"
    customer = customer_by_external_id(customer_external_id)

    def earlier() -> Run | None:
        run = Run.objects.filter(workflow=workflow, entry_key=entry_key).first()
        if run is not None and run.customer_id != customer.pk:
            raise _key_reused(_("another customer"))
        if run is not None and trigger is not None and run.trigger_node != trigger:
            raise _key_reused(_("another trigger"))
        return run

    run = earlier()
    if run is not None:
        return run, False
    version = _live_version(workflow)
    node = _start_node(version, trigger)
    result = runs_start([Entry(workflow_id=workflow.pk, version_id=version.pk, trigger_node=node,
                               customer_id=customer.pk, entry_key=entry_key,
                               ignore_re_entry=True)], now=now)
    if result.started:
        return Run.objects.get(pk=result.started[0]), True
    run = earlier()  # the same key, sent twice at the same moment
    if run is not None:
        return run, False
    raise RunConflict("The customer already has as many active runs of this workflow as its "
                      "settings allow (max_active_runs_per_customer).",
                      [{"field": "customer_id", "code": "active_limit",
                        "message": "too many active runs of this workflow"}])


def run_manual_fanout(workflow_id: int, *, segment_id: int, trigger: str | None = None,
                      key: str | None = None, user: Any = None) -> tuple[Fanout, bool]:
    """Start the workflow for every member of a segment, in batches (progress on the
    Fanout). The same `key` returns the fan-out it started the first time."""
    from apps.engine.fanout import fanout_start

    workflow = Workflow.objects.select_related("published_version").get(pk=workflow_id)
    prefix = f"{MANUAL_PREFIX}:{key or uuid.uuid4().hex}"
    existing = Fanout.objects.filter(workflow=workflow, entry_prefix=prefix).first()
    if existing is not None:
        if existing.segment_id != segment_id:
            raise _key_reused(_("another segment"))
        if trigger is not None and existing.trigger_node != trigger:
            raise _key_reused(_("another trigger"))
        return existing, False
    if not Segment.objects.filter(pk=segment_id).exists():
        raise _invalid("segment_id", "not_found", f"No segment with id {segment_id}.")
    node = _start_node(_live_version(workflow), trigger)
    fanout = fanout_start(workflow, segment_id=segment_id, trigger_node=node,
                          entry_prefix=prefix, user=user, ignore_re_entry=True)
    return fanout, True


def runs_cancel_where(*, ids: Iterable[int] | None = None, workflow_id: int | None = None,
                      states: Iterable[str] | None = None, reason: str = "",
                      limit: int = 10_000, now: datetime | None = None) -> tuple[int, int]:
    """Cancel the active runs that match (ids and/or a workflow and states), at most
    `limit` per call; returns (cancelled, still matching) so a caller can repeat."""
    runs = Run.objects.filter(state__in=ACTIVE_STATES)
    if ids is not None:
        runs = runs.filter(pk__in=list(ids))
    if workflow_id is not None:
        runs = runs.filter(workflow_id=workflow_id)
    if states:
        runs = runs.filter(state__in=list(states))
    batch = list(runs.order_by("id").values_list("id", flat=True)[:limit])
    cancelled = runs_end(batch, verb="cancel", reason=reason, now=now)
    return cancelled, runs.count()


def workflow_dry_run(workflow: Workflow, *, customer_external_id: str,
                     event: Mapping[str, Any] | None = None, version: str = "draft",
                     trigger: str | None = None, now: datetime | None = None,
                     later_events: Sequence[Mapping[str, Any]] = ()) -> WalkResult:
    """Follow the draft (or the published version) for a real customer and an optional
    event, with the blocks' own code; effects are recorded, nothing is stored or sent.
    `later_events` ({type, properties}) are what the customer does afterwards: waits for
    an event take them in order."""
    from apps.workflows.dryrun import graph_walk
    from apps.workflows.library import graph_resolve, library_for

    customer_by_external_id(customer_external_id)
    if version == "published":
        if workflow.published_version is None:
            raise _invalid("version", "not_published", "The workflow has no published version.")
        published = workflow.published_version
        graph = published.resolved_graph or published.graph
    else:
        graph = graph_resolve(workflow.draft_graph, library_for(workflow.draft_graph))
    node_ids = {node.get("id") for node in graph.get("nodes") or []}
    if trigger and trigger not in node_ids:
        raise _invalid("trigger", "not_found", f"No node {trigger!r} in the {version} graph.")
    for edge in graph.get("edges") or []:  # a draft may be half built
        for end in ("source", "target"):
            if edge.get(end) not in node_ids:
                return WalkResult(outcome="failed",
                                  error=f"an edge names node {edge.get(end)!r}, which is not "
                                        "in the graph")
    given: dict[str, Any] = {"customer": customer_external_id}
    if event:
        given["event"] = {"type": event["type"], "properties": dict(event.get("properties") or {})}
    if trigger:
        given["trigger"] = trigger
    if now is not None:
        given["now"] = now
    if later_events:
        given["later_events"] = [{"type": later["type"],
                                  "properties": dict(later.get("properties") or {})}
                                 for later in later_events]
    return graph_walk(graph, given, workflow)
