"""Writes for agent tasks: create (from a workflow), claim, complete, cancel.

Completing a task emits the customer event `task.completed`, so a workflow can wait for
the call's outcome (flow.wait_for_event) or branch on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_fsm import TransitionNotAllowed

from apps.accounts.models import User
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, EventSource
from apps.tasks.business_hours import QueueRules, queue_rules_for
from apps.tasks.models import Task, TaskKind, TaskOutcome, TaskPriority, TaskState


class TaskError(Exception):
    """A refused task action, with its HTTP answer (the API's error shape)."""

    status = 409
    code = "transition_not_allowed"

    def __init__(self, message: str, field: str = "state", code: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.code
        self.status = status or self.status

    def body(self) -> dict[str, Any]:
        return {"detail": self.message,
                "errors": [{"field": self.field, "code": self.code, "message": self.message}]}


def task_due_at(*, queue: str, due_at: dt.datetime, business_hours: bool,
                rules: Callable[[str], QueueRules] = queue_rules_for) -> dt.datetime:
    """The due time the task gets: moved to the queue's next opening when asked to."""
    return _due(rules(queue), due_at, business_hours)


def _due(queue_rules: QueueRules, due_at: dt.datetime, business_hours: bool) -> dt.datetime:
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be timezone-aware")
    return queue_rules.hours.next_opening(due_at) if business_hours else due_at


def task_result(task: Task) -> dict[str, Any]:
    return {"task_id": task.id, "due_at": task.due_at.isoformat(), "status": TaskState.OPEN.value}


def task_create(*, customer: Customer, kind: str, queue: str, title: str, notes: str | None,
                due_at: dt.datetime, business_hours: bool, priority: str, idempotency_key: str,
                run_id: int | None = None, workflow_id: int | None = None, node_id: str = "",
                now: dt.datetime | None = None) -> dict[str, Any]:
    """Create the task once per idempotency key; a repeated key returns the first result."""
    existing = Task.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return task_result(existing)
    task = task_build(customer=customer, kind=kind, queue=queue, title=title, notes=notes,
                      due_at=due_at, business_hours=business_hours, priority=priority,
                      idempotency_key=idempotency_key, run_id=run_id,
                      workflow_id=workflow_id, node_id=node_id, now=now or timezone.now())
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not spoil the caller
            task.save()
    except IntegrityError:
        return task_result(Task.objects.get(idempotency_key=idempotency_key))
    return task_result(task)


AT_RISK_SHARE = 0.75  # a task is at risk once three quarters of its target have passed
_KINDS = tuple(TaskKind.values)  # `.values` builds a new list on every read
_PRIORITIES = tuple(TaskPriority.values)


def task_build(*, customer: Customer, kind: str, queue: str, title: str, notes: str | None,
               due_at: dt.datetime, business_hours: bool, priority: str, idempotency_key: str,
               run_id: int | None, workflow_id: int | None, node_id: str, now: dt.datetime,
               rules: Callable[[str], QueueRules] = queue_rules_for) -> Task:
    """The task row, not saved; `rules` finds a queue's hours and target (a batch caches).
    The response target's clock starts when the task falls due, in open hours."""
    if kind not in _KINDS:
        raise ValueError(f"kind: one of {', '.join(_KINDS)}")
    if priority not in _PRIORITIES:
        raise ValueError(f"priority: one of {', '.join(_PRIORITIES)}")
    queue_rules = rules(queue)  # one lookup for the due time and the target
    due = _due(queue_rules, due_at, business_hours)
    task = Task(
        customer=customer, kind=kind, queue=queue, title=title[:200], notes=notes or "",
        priority=priority, requested_due_at=due_at, due_at=due,
        idempotency_key=idempotency_key, run_id=run_id, workflow_id=workflow_id,
        node_id=node_id, created_at=now, updated_at=now,
    )
    if queue_rules.response_target is not None:
        task.respond_by = queue_rules.hours.add_working_time(due, queue_rules.response_target)
        task.at_risk_at = queue_rules.hours.add_working_time(
            due, queue_rules.response_target * AT_RISK_SHARE)
    return task


def _locked(task_id: int) -> Task:
    return Task.objects.select_for_update().select_related("customer").get(pk=task_id)


_REFUSALS = {
    "claim": _lazy("This task cannot be claimed: it is %(state)s."),
    "complete": _lazy("This task cannot be completed: it is %(state)s."),
    "cancel": _lazy("This task cannot be cancelled: it is %(state)s."),
}


_STATE_WORDS = {
    TaskState.OPEN: _lazy("open"),
    TaskState.IN_PROGRESS: _lazy("in progress"),
    TaskState.DONE: _lazy("done"),
    TaskState.CANCELLED: _lazy("cancelled"),
}


def _refused(task: Task, verb: str) -> TaskError:
    return TaskError(str(_REFUSALS[verb]) % {"state": _STATE_WORDS[TaskState(task.state)]})


def task_claim(task_id: int, *, user: User, now: dt.datetime | None = None) -> Task:
    """Assign the task to `user` and start it. Claiming one's own task again is a no-op;
    a task someone else holds is a 409."""
    with transaction.atomic():
        task = _locked(task_id)
        if task.state == TaskState.IN_PROGRESS and task.assignee_id == user.id:
            return task
        if task.assignee_id not in (None, user.id) and task.state == TaskState.OPEN:
            raise TaskError(_("This task is assigned to %(name)s.") % {"name": task.assignee},
                            field="assignee",
                            code="assigned_to_other")
        try:
            task.claim()
        except TransitionNotAllowed as exc:
            raise _refused(task, "claim") from exc
        task.assignee = user
        task.claimed_at = now or timezone.now()
        task.save()
    return task


def task_complete(task_id: int, *, user: User | None, outcome: str, notes: str = "",
                  now: dt.datetime | None = None) -> Task:
    """Close the task with its outcome and emit task.completed for the customer."""
    if outcome not in TaskOutcome.values:
        raise TaskError(f"outcome: one of {', '.join(TaskOutcome.values)}", field="outcome",
                        code="invalid_choice", status=400)
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked(task_id)
        try:
            task.complete()
        except TransitionNotAllowed as exc:
            raise _refused(task, "complete") from exc
        task.outcome = outcome
        if notes:
            task.notes = f"{task.notes}\n\n{notes}".strip() if task.notes else notes
        if task.assignee_id is None:
            task.assignee = user
        task.closed_at = now
        task.closed_by = user
        task.save()
        events_ingest([EventIn(
            customer_external_id=task.customer.external_id, type="task.completed",
            properties={"task_id": task.id, "outcome": outcome, "kind": task.kind,
                        "queue": task.queue},
            occurred_at=now, idempotency_key=f"task:{task.id}:completed",
        )], source=EventSource.INTERNAL)
    return task


def task_cancel(task_id: int, *, user: User | None, reason: str = "",
                now: dt.datetime | None = None) -> Task:
    with transaction.atomic():
        task = _locked(task_id)
        try:
            task.cancel()
        except TransitionNotAllowed as exc:
            raise _refused(task, "cancel") from exc
        if reason:
            task.notes = f"{task.notes}\n\nCancelled: {reason}".strip()
        task.closed_at = now or timezone.now()
        task.closed_by = user
        task.save()
    return task
