"""Celery tasks of agent tasks: the periodic overdue sweep."""

from celery import shared_task
from django.utils import timezone

from apps.tasks.sla import SWEEP_BATCH, tasks_overdue_note

SWEEP_ROUNDS = 20  # at most 10,000 tasks a minute; the rest waits for the next sweep


@shared_task(name="tasks.overdue_sweep")
def tasks_overdue_sweep() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE): emit task.overdue for tasks past their target."""
    noted = 0
    for _ in range(SWEEP_ROUNDS):
        count = tasks_overdue_note(timezone.now())
        noted += count
        if count < SWEEP_BATCH:
            break
    return noted
