"""Agent tasks created by a batch of the engine's runs: the rows of `task_create`, with
ids reserved from the sequence and one insert per batch. A repeated idempotency key makes
the insert fail; the engine then redoes the batch run by run through `task_create`,
which returns the first call's result."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from apps.common.bulk import IdReserve, rows_insert
from apps.customers.models import Customer
from apps.tasks.business_hours import queue_rules_for
from apps.tasks.models import Task
from apps.tasks.services import task_build, task_result


class TaskOutbox:
    """Collects the tasks of one transaction; `flush` writes them."""

    def __init__(self, now: dt.datetime, expected: int) -> None:
        self.now = now
        self.ids = IdReserve(Task, chunk=expected)
        self.pending: list[Task] = []
        self.rules = cache(queue_rules_for)  # one lookup per queue and batch

    def create(self, *, customer: Customer, idempotency_key: str, run_id: int | None = None,
               workflow_id: int | None = None, node_id: str = "", **task: Any
               ) -> dict[str, Any]:
        row = task_build(customer=customer, idempotency_key=idempotency_key, run_id=run_id,
                         workflow_id=workflow_id, node_id=node_id, now=self.now,
                         rules=self.rules, **task)
        row.pk = self.ids.next()
        self.pending.append(row)
        return task_result(row)

    def flush(self) -> None:
        if self.pending:
            rows_insert(self.pending)
            self.pending = []
