"""Agent tasks: call-backs, follow-ups and reviews that a workflow hands to a person.

States change only through the verb transitions below, called from services.py (which
maps refused transitions to domain errors): open → in_progress → done | cancelled."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from apps.tasks.business_hours import BusinessHours, QueueRules, hours_valid

MAX_TARGET = 60 * 24 * 90  # minutes: a target beyond 90 days of open hours is a typo
OPEN_STATES = ("open", "in_progress")


class TaskKind(models.TextChoices):
    CALL_BACK = "call_back"
    FOLLOW_UP = "follow_up"
    REVIEW = "review"


class TaskPriority(models.TextChoices):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskState(models.TextChoices):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskOutcome(models.TextChoices):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    SAVED = "saved"
    LOST = "lost"


class Task(ConcurrentTransitionMixin, models.Model):
    """One piece of work for a contact-center agent about one customer."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="tasks", db_index=False)  # task_customer_idx
    kind = models.CharField(max_length=16, choices=TaskKind.choices, default=TaskKind.CALL_BACK)
    queue = models.CharField(max_length=64, default="retention")
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True, default="")
    priority = models.CharField(max_length=8, choices=TaskPriority.choices,
                                default=TaskPriority.NORMAL)
    state = FSMField(default=TaskState.OPEN, choices=TaskState.choices, protected=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="tasks",
                                 db_index=False)  # task_assignee_idx
    due_at = models.DateTimeField(help_text="When the agent should act (in business hours).")
    requested_due_at = models.DateTimeField(
        help_text="The due time asked for, before it moved into business hours.")
    outcome = models.CharField(max_length=16, choices=TaskOutcome.choices, blank=True,
                               default="")
    # The workflow run that created the task (plain ids: runs are pruned on their own
    # schedule, and a task outlives them).
    run_id = models.BigIntegerField(null=True, blank=True)
    workflow_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=64, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, unique=True)
    respond_by = models.DateTimeField(
        null=True, blank=True,
        help_text="The queue's response target: act by then (null when it sets none).")
    at_risk_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When three quarters of the target's open hours have passed.")
    overdue_noted_at = models.DateTimeField(
        null=True, blank=True, help_text="When task.overdue was emitted (once per task).")
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["queue", "state", "due_at"], name="task_inbox_idx"),
            models.Index(fields=["customer", "created_at"], name="task_customer_idx"),
            models.Index(fields=["assignee", "state"], name="task_assignee_idx"),
            # The overdue sweep's question: open tasks past their target, not yet noted.
            models.Index(fields=["respond_by"], name="task_overdue_idx",
                         condition=models.Q(state__in=OPEN_STATES,
                                            overdue_noted_at__isnull=True,
                                            respond_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    # --- transitions (call through services.py) ------------------------------------------

    @transition(field=state, source=TaskState.OPEN, target=TaskState.IN_PROGRESS)
    def claim(self) -> None:
        """An agent takes the task."""

    @transition(field=state, source=[TaskState.OPEN, TaskState.IN_PROGRESS],
                target=TaskState.DONE)
    def complete(self) -> None:
        """Done, with an outcome (an agent may complete without claiming first)."""

    @transition(field=state, source=[TaskState.OPEN, TaskState.IN_PROGRESS],
                target=TaskState.CANCELLED)
    def cancel(self) -> None:
        """No longer needed (the customer came back on their own, a duplicate, ...)."""


def _validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a time zone name like Europe/Berlin")
                              % {"zone": repr(value)})


def _validate_weekdays(value: str) -> None:
    try:
        days = _weekdays_parse(value)
    except ValueError as exc:
        raise ValidationError(_("Working days are numbers from 0 (Monday) to 6 (Sunday), "
                                "e.g. 0,1,2,3,4.")) from exc
    if not days:
        raise ValidationError(_("Choose at least one working day."))


def _weekdays_parse(value: str) -> frozenset[int]:
    days = frozenset(int(part) for part in value.split(",") if part.strip())
    if not days <= set(range(7)):
        raise ValueError(value)
    return days


class TaskQueue(models.Model):
    """A queue's own business hours; queues without a row use the global setting."""

    name = models.CharField(max_length=64, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[_validate_timezone])
    weekdays = models.CharField(max_length=20, default="0,1,2,3,4",
                                validators=[_validate_weekdays],
                                help_text="Working days, 0 = Monday … 6 = Sunday.")
    opens = models.TimeField(default=dt.time(9, 0))
    closes = models.TimeField(default=dt.time(17, 0))
    response_target_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET)],
        help_text="Agents act on a task within this many minutes of open hours (e.g. 240 "
                  "= call back within 4 business hours); empty: no target.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None \
                and not hours_valid(self.opens, self.closes):
            raise ValidationError({"closes": _("Closing time must be after the opening time.")})

    @property
    def weekday_list(self) -> list[int]:
        return sorted(_weekdays_parse(self.weekdays))

    def rules(self) -> QueueRules:
        minutes = self.response_target_minutes
        return QueueRules(self.business_hours(),
                          dt.timedelta(minutes=minutes) if minutes else None)

    def business_hours(self) -> BusinessHours:
        ZoneInfo(self.timezone)
        return BusinessHours(timezone=self.timezone, weekdays=_weekdays_parse(self.weekdays),
                             opens=self.opens, closes=self.closes)
