"""Reads on runs for the API, the canvas overlay and the customer timeline.

Lists leave the heavy JSON (frontier, visits, variables) in the database: a page of runs
is one indexed query with its workflow, version number and customer joined in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from apps.customers.models import Customer
from apps.customers.selectors import TimelineItem
from apps.engine.counts import node_counts
from apps.engine.models import Fanout, Run, Step, Wait
from apps.messaging.models import Message

# The run inspector shows the newest steps of very long runs (a loop through a wait can
# execute thousands of nodes); the run's `step_count` says how many there were.
TIMELINE_MAX_STEPS = 500
# workflow__state: django-fsm reads a Workflow's state when the row is loaded.
LIST_FIELDS = ("id", "workflow_id", "workflow__name", "workflow__state", "version_id",
               "version__number", "customer_id", "customer__external_id", "trigger_node",
               "entry_key", "state", "error", "failed_node", "exit_reason", "holdout",
               "step_count", "open_waits", "created_at", "updated_at", "ended_at")


def runs_list() -> QuerySet[Run]:
    """Newest first, without the run's working state (frontier, visits, variables)."""
    return Run.objects.select_related("workflow", "version", "customer") \
        .only(*LIST_FIELDS).order_by("-created_at", "-id")


def run_get(run_id: int) -> Run:
    return Run.objects.select_related("workflow", "version", "customer").get(pk=run_id)


def run_steps(run: Run, *, limit: int = TIMELINE_MAX_STEPS) -> list[Step]:
    """The run's steps in execution order: all of them, or the newest `limit`."""
    newest = list(Step.objects.filter(run=run).order_by("-id")[:limit])
    return newest[::-1]


def runs_messages(runs: list[Run]) -> dict[int, list[Message]]:
    """The messages each run wrote, oldest first: one query for a page of runs, through
    the messages' customer index (runs have few messages, customers not many)."""
    if not runs:
        return {}
    found: dict[int, list[Message]] = {run.pk: [] for run in runs}
    for message in Message.objects.filter(
            customer_id__in={run.customer_id for run in runs}, run_id__in=found.keys()) \
            .only("id", "run_id", "node_id", "channel", "status", "reason", "options") \
            .order_by("id"):
        found[message.run_id].append(message)
    return found


def run_waits(run: Run) -> list[Wait]:
    """What the run waits for now (fired waits are about to be consumed)."""
    return list(Wait.objects.filter(run=run).order_by("wake_at", "id"))


def workflow_counts(workflow_id: int) -> dict[str, Any]:
    """Per node and port (the canvas overlay) plus how many of the workflow's runs are in
    each state. Node "" holds run-level ends (cancel) and is left out."""
    nodes = {node: counts for node, counts in node_counts(workflow_id).items() if node}
    states = Run.objects.filter(workflow_id=workflow_id).order_by() \
        .values("state").annotate(n=Count("id"))
    return {"nodes": nodes, "runs": {row["state"]: row["n"] for row in states}}


def fanouts_list(workflow_id: int) -> QuerySet[Fanout]:
    return Fanout.objects.filter(workflow_id=workflow_id).order_by("-created_at", "-id")


def runs_timeline(customer: Customer, limit: int, before: datetime | None
                  ) -> list[TimelineItem]:
    """Runs in the customer 360 timeline: one item when a run started, one when it ended
    (with how it ended)."""
    runs = Run.objects.filter(customer=customer).select_related("workflow") \
        .only("id", "workflow_id", "workflow__name", "workflow__state", "version_id", "state",
              "trigger_node", "error", "exit_reason", "created_at", "ended_at")
    started = runs.order_by("-created_at", "-id")
    ended = runs.filter(ended_at__isnull=False).order_by("-ended_at", "-id")
    if before is not None:
        started = started.filter(created_at__lt=before)
        ended = ended.filter(ended_at__lt=before)
    items: list[TimelineItem] = []
    for run in started[:limit]:
        items.append({"kind": "run", "at": run.created_at,
                      "title": f"Started workflow {run.workflow.name}",
                      "data": {"run_id": run.pk, "workflow_id": run.workflow_id,
                               "trigger_node": run.trigger_node, "state": run.state}})
    for run in ended[:limit]:
        reason = run.error if run.state == "failed" else run.exit_reason
        items.append({"kind": "run", "at": run.ended_at,  # type: ignore[typeddict-item]
                      "title": f"Workflow {run.workflow.name} {run.state}",
                      "data": {"run_id": run.pk, "workflow_id": run.workflow_id,
                               "state": run.state, "outcome": run.state,
                               "reason": reason}})
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]
