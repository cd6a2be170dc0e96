"""Runs, their steps, their waits, and the index of live triggers.

The database is the truth: a run's `frontier` lists the nodes it will execute next, its
`waits` are durable timers and event subscriptions, and every executed node leaves a
`Step`. The broker only carries wake-ups ("advance run 42"), so a lost message or a
killed worker loses nothing: the sweeper and the timer scan find the run again.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition


class RunState(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    EXITED = "exited"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATES = (RunState.PENDING, RunState.RUNNING, RunState.WAITING)
ENDED_STATES = (RunState.COMPLETED, RunState.EXITED, RunState.FAILED, RunState.CANCELLED)


class Run(models.Model):
    """One customer's journey through one version of a workflow."""

    # Neither key gets an index of its own: the composite indexes below lead with each
    # (every run inserted pays for every index, docs/benchmarks.md).
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE,
                                 related_name="runs", db_index=False)
    version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.PROTECT,
                                related_name="runs")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="runs", db_index=False)
    trigger_node = models.CharField(max_length=64)
    trigger_event = models.ForeignKey("customers.Event", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    entry_key = models.CharField(
        max_length=200,
        help_text="What started the run (event:<id>, date:contract_end:2026-12-01:<customer>, …); "
                  "unique per workflow, so a trigger handled twice starts one run.")
    state = FSMField(default=RunState.PENDING, choices=RunState.choices)
    # [{"node": id, "visit": n}] still to execute; visits counts executions per node.
    frontier = models.JSONField(default=list)
    visits = models.JSONField(default=dict)
    variables = models.JSONField(default=dict, help_text="Outputs of earlier nodes by id.")
    attempts = models.PositiveSmallIntegerField(default=0,
                                                help_text="Tries of the step being retried.")
    error = models.TextField(blank=True, default="")
    failed_node = models.CharField(max_length=64, blank=True, default="")
    exit_reason = models.CharField(max_length=200, blank=True, default="")
    # db_default too: statements that insert runs by hand (benches, tests) need not name it
    holdout = models.CharField(
        max_length=8, blank=True, default="", db_default="",
        choices=[("", "treated"), ("entry", "entry"), ("split", "split")],
        help_text="In the control group: held out at entry by the workflow's control "
                  "percent (the run ended at once), or sent to a flow.split's holdout port.")
    step_count = models.PositiveIntegerField(default=0)
    open_waits = models.PositiveIntegerField(default=0, help_text="Waits not yet consumed.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "entry_key"], name="run_entry_unique"),
        ]
        indexes = [
            models.Index(fields=["workflow", "state"], name="run_workflow_state_idx"),
            models.Index(fields=["workflow", "created_at"], name="run_workflow_created_idx"),
            models.Index(fields=["customer", "workflow"], name="run_customer_workflow_idx"),
            models.Index(fields=["state", "updated_at"], name="run_active_updated_idx",
                         condition=Q(state__in=["pending", "running"])),
            models.Index(fields=["ended_at"], name="run_ended_idx",
                         condition=Q(ended_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    # --- transitions: called by the interpreter and services under a row lock ----------

    @transition(field=state, source=[RunState.PENDING, RunState.WAITING], target=RunState.RUNNING)
    def start(self) -> None:
        """A worker took the run."""

    @transition(field=state, source=[RunState.RUNNING, RunState.PENDING],
                target=RunState.WAITING)
    def wait(self) -> None:
        """Nothing to execute now; a timer or an event will wake it."""

    @transition(field=state, source=RunState.RUNNING, target=RunState.COMPLETED)
    def complete(self) -> None:
        """Every branch has ended."""

    @transition(field=state, source=list(ACTIVE_STATES), target=RunState.EXITED)
    def exit(self) -> None:
        """A flow.exit node, or the workflow's goal was reached."""

    @transition(field=state, source=[RunState.RUNNING, RunState.PENDING],
                target=RunState.FAILED)
    def fail(self) -> None:
        """A step failed for good; the error and the node are kept for a retry."""

    @transition(field=state, source=list(ACTIVE_STATES), target=RunState.CANCELLED)
    def cancel(self) -> None:
        """Stopped by a person or an API client."""

    @transition(field=state, source=RunState.FAILED, target=RunState.PENDING)
    def retry(self) -> None:
        """Back in the queue at the failed step."""


class WaitKind(models.TextChoices):
    TIMER = "timer"  # flow.wait
    EVENT = "event"  # flow.wait_for_event (its timeout is wake_at)
    RETRY = "retry"  # a retryable failure, backing off
    THROTTLE = "throttle"  # held back by the workflow's rate or concurrency limit


class Wait(models.Model):
    """A parked branch of a run: woken at `wake_at` (then it leaves by `port`), or for a
    wait_for_event, earlier by a matching event (then by `happened_port`).

    Firing sets `fired_at`/`fired_port` in bulk (the timer scan, the event handler); the
    interpreter then consumes fired waits under the run's lock."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="waits")
    workflow_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    node_id = models.CharField(max_length=64)
    visit = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=WaitKind.choices)
    wake_at = models.DateTimeField()
    port = models.CharField(max_length=64, blank=True, default="")
    event_type = models.CharField(max_length=100, blank=True, default="")
    condition = models.JSONField(null=True, blank=True)
    happened_port = models.CharField(max_length=64, blank=True, default="")
    # The event's property that names the port (a call's `status`), and the ports it may
    # name; other values resume on `happened_port` (blocks.base.event_port).
    port_from = models.CharField(max_length=100, blank=True, default="")
    ports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    fired_port = models.CharField(max_length=64, blank=True, default="")
    fired_event_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["wake_at"], name="wait_due_idx",
                         condition=Q(fired_at__isnull=True)),
            models.Index(fields=["customer_id", "event_type"], name="wait_event_idx",
                         condition=Q(kind="event", fired_at__isnull=True)),
            models.Index(fields=["workflow_id", "node_id"], name="wait_workflow_node_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} wait of run {self.run_id} at {self.node_id}"


class Step(models.Model):
    """One executed node of a run: what happened, which port it left by, how long it took.
    Pruned after the retention period; the run's summary and the node counts remain."""

    # step_run_idx (run, id) serves lookups by run: six steps a run need no second index
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps", db_index=False)
    node_id = models.CharField(max_length=64)
    block_type = models.CharField(max_length=100)
    visit = models.PositiveIntegerField(default=1)
    outcome = models.CharField(max_length=16)  # continue|wait|wait_event|resume|exit|fail|retry
    port = models.CharField(max_length=64, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    duration_us = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "id"], name="step_run_idx"),
                   models.Index(fields=["started_at"], name="step_started_idx")]

    def __str__(self) -> str:
        return f"{self.node_id} → {self.port or self.outcome}"


class EffectRecord(models.Model):
    """The result of an effect made outside the step's transaction (http_request), keyed
    by (run, node, visit): a replayed step reuses it instead of calling again."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="effects")
    node_id = models.CharField(max_length=64)
    visit = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "node_id", "visit"],
                                               name="effect_record_unique")]

    def __str__(self) -> str:
        return f"{self.kind} of run {self.run_id} at {self.node_id}#{self.visit}"


class NodeCount(models.Model):
    """How many runs passed each node and port of a workflow, for the canvas overlay.
    Sharded by run id so concurrent workers do not queue on one hot row; read as a sum."""

    SHARDS = 8

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE,
                                 related_name="node_counts")
    node_id = models.CharField(max_length=64)
    key = models.CharField(max_length=80)  # entered | port:<name> | waiting… | exited | failed
    shard = models.PositiveSmallIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id", "key", "shard"],
                                               name="node_count_unique")]

    def __str__(self) -> str:
        return f"{self.workflow_id}:{self.node_id}:{self.key}={self.count}"


class TriggerKind(models.TextChoices):
    """The index's own kinds. A scan trigger's rows have the name of the scan its block
    declares instead (e.g. "date", "inactivity", "schedule": blocks/base.py ScanSpec), so
    the column has no fixed choices."""

    EVENT = "event"  # triggers that declare TriggerKind.EVENT (an event type and condition)
    GOAL = "goal"  # the workflow's goal: ends its active runs
    WEBHOOK = "webhook"
    MANUAL = "manual"


class TriggerEntry(models.Model):
    """One trigger of a live (published, not paused) workflow version. Rebuilt when a
    workflow is published, paused, resumed or archived, so event matching is one indexed
    lookup by event type whatever the number of workflows."""

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE,
                                 related_name="trigger_entries")
    version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.CASCADE,
                                related_name="+")
    node_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, help_text=(
        "event, goal, webhook, manual, or the name of a declared scan (e.g. date)."))
    event_type = models.CharField(max_length=100, blank=True, default="")
    config = models.JSONField(default=dict)
    state = models.JSONField(default=dict, blank=True,
                             help_text="Scan bookkeeping, e.g. the schedule's next fire time.")

    class Meta:
        indexes = [models.Index(fields=["kind", "event_type"], name="trigger_kind_type_idx")]
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id", "kind"],
                                               name="trigger_entry_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_type} → {self.workflow_id}:{self.node_id}"


class Fanout(models.Model):
    """Starting a workflow for every member of a segment (a manual start or a schedule),
    in batches by customer id, with progress the UI and the API can show."""

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        CANCELLED = "cancelled"

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE,
                                 related_name="fanouts")
    segment = models.ForeignKey("customers.Segment", null=True, on_delete=models.SET_NULL,
                                related_name="+")
    trigger_node = models.CharField(max_length=64)
    entry_prefix = models.CharField(max_length=150, help_text="Runs get <prefix>:<customer>.")
    batch_size = models.PositiveIntegerField(default=500)
    ignore_re_entry = models.BooleanField(
        default=False, help_text="A person started it: the re-entry policy does not apply.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0, help_text="Last customer id handled.")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["workflow", "entry_prefix"],
                                               name="fanout_entry_unique")]

    def __str__(self) -> str:
        return f"fanout {self.pk}: {self.processed}/{self.total}"


def frontier_item(node_id: str, visit: int) -> dict[str, Any]:
    return {"node": node_id, "visit": visit}
