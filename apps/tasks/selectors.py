"""Reads for agent tasks: the inbox and the customer timeline."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from apps.customers.models import Customer
from apps.customers.selectors import TimelineItem
from apps.tasks.models import Task


def tasks_list() -> QuerySet[Task]:
    """The inbox order: what is due first comes first."""
    return Task.objects.select_related("customer", "assignee").order_by("due_at", "id")


def tasks_timeline(customer: Customer, limit: int, before: datetime | None) -> list[TimelineItem]:
    """Tasks in the customer 360 timeline, at their creation time."""
    tasks = customer.tasks.order_by("-created_at", "-id")
    if before is not None:
        tasks = tasks.filter(created_at__lt=before)
    return [
        {"kind": "task", "at": task.created_at, "title": task.title,
         "data": {"id": task.id, "task_kind": task.kind, "queue": task.queue,
                  "state": task.state, "outcome": task.outcome, "priority": task.priority,
                  "due_at": task.due_at.isoformat(), "run_id": task.run_id}}
        for task in tasks[:limit]
    ]
