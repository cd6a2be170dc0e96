"""What the runs advanced together in one transaction share: the rows they read, loaded
once for all of them, and the rows they write, written once for all of them.

A batch of runs of the reference workflow costs 14 statements however many runs it
holds (it was some twenty-five per run): the runs are locked with one statement, their
customers, trigger events and fired waits are read with one each, segment membership
with one per segment asked about, and steps, waits, node counts, run updates, messages
and tasks are written with one statement each at the end (`flush`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from apps.common.bulk import rows_update, values_insert
from apps.customers.models import Customer, Event, SegmentMembership
from apps.engine.counts import node_counts_add_many
from apps.engine.models import ACTIVE_STATES, Run, RunState, Step, Wait

if TYPE_CHECKING:
    from apps.messaging.outbox import MessageOutbox
    from apps.tasks.outbox import TaskOutbox

STEP_FIELDS = ("run_id", "node_id", "block_type", "visit", "outcome", "port", "detail", "error",
               "started_at", "duration_us")


class Scope:
    """The shared reads and the pending writes of one pass over several runs."""

    def __init__(self, runs: list[Run], now: datetime, *, batched_effects: bool = True,
                 customers: Mapping[int, Customer] | None = None,
                 events: Mapping[int, Event] | None = None, runs_stored: bool = True
                 ) -> None:
        """`customers` and `events`: rows the caller already read. `runs_stored`: False
        for runs created in this transaction and inserted by the caller after the
        flush."""
        self.runs = runs
        self.now = now
        self.runs_stored = runs_stored
        wanted = {run.customer_id for run in runs}
        self.customers: dict[int, Customer] = {
            pk: customer for pk, customer in (customers or {}).items() if pk in wanted}
        if len(self.customers) < len(wanted):
            self.customers.update(Customer.objects.in_bulk(wanted - set(self.customers)))
        waking = [run.pk for run in runs if run.state == RunState.WAITING or run.step_count]
        self.fired: dict[int, list[Wait]] = defaultdict(list)
        if waking:
            for wait in Wait.objects.filter(run_id__in=waking, fired_at__isnull=False) \
                    .order_by("id"):
                self.fired[wait.run_id].append(wait)
        event_ids = {run.trigger_event_id for run in runs if run.trigger_event_id}
        event_ids |= {w.fired_event_id for ws in self.fired.values() for w in ws
                      if w.fired_event_id}
        self.events: dict[int, Event] = {
            pk: event for pk, event in (events or {}).items() if pk in event_ids}
        if len(self.events) < len(event_ids):
            self.events.update(Event.objects.in_bulk(event_ids - set(self.events)))
        self._members: dict[int, set[int]] = {}
        self._running: dict[int, int] = {}
        # None: messages and tasks are written as they happen (services.message_queue, …)
        self.messages: MessageOutbox | None = None
        self.tasks: TaskOutbox | None = None
        if batched_effects:
            self.messages, self.tasks = _outboxes(self.customers, now, len(runs))
        self.steps: list[tuple[Any, ...]] = []  # values of STEP_FIELDS
        self.new_waits: list[Wait] = []
        self.consumed_waits: list[int] = []
        # Runs that ended: their stored waits go in one statement for the batch (one
        # DELETE per ended run was a fifth of a worker's time at 1,800 runs/s).
        self.ended_runs: list[int] = []
        self.counts: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)

    # --- reads ------------------------------------------------------------------------

    def in_segment(self, segment_id: int, customer_id: int) -> bool:
        """Membership, read once per segment for every customer of the batch."""
        members = self._members.get(segment_id)
        if members is None:
            members = self._members[segment_id] = set(SegmentMembership.objects.filter(
                segment_id=segment_id, customer_id__in=self.customers,
            ).values_list("customer_id", flat=True))
        return customer_id in members

    def running(self, workflow_id: int) -> int:
        """Runs of the workflow past their trigger (for its concurrency limit), counted
        once per batch; `started` adds the ones this batch lets through."""
        if workflow_id not in self._running:
            self._running[workflow_id] = Run.objects.filter(
                workflow_id=workflow_id, state__in=ACTIVE_STATES, step_count__gt=0).count()
        return self._running[workflow_id]

    def started(self, workflow_id: int) -> None:
        self._running[workflow_id] = self.running(workflow_id) + 1

    # --- writes -----------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything the passes produced, in an order the foreign keys accept."""
        if self.consumed_waits:
            Wait.objects.filter(pk__in=self.consumed_waits).delete()
        if self.ended_runs:
            Wait.objects.filter(run_id__in=self.ended_runs).delete()
        if self.new_waits:
            Wait.objects.bulk_create(self.new_waits)
        if self.steps:
            values_insert(Step, STEP_FIELDS, self.steps)
        if self.counts:
            node_counts_add_many(self.counts, shard=self.runs[0].pk)
        if self.runs_stored:
            rows_update(self.runs, RUN_PASS_FIELDS)
        if self.messages is not None:
            self.messages.flush()
        if self.tasks is not None:
            self.tasks.flush()


def _outboxes(customers: dict[int, Customer], now: datetime, expected: int
              ) -> tuple[MessageOutbox, TaskOutbox]:
    """Messages and tasks made in memory, with ids reserved, written at the flush."""
    from apps.messaging.outbox import MessageOutbox
    from apps.tasks.outbox import TaskOutbox

    return MessageOutbox(customers, now), TaskOutbox(now, expected)


# What a pass may change on a run.
RUN_PASS_FIELDS = ("state", "frontier", "visits", "variables", "attempts", "error",
                   "failed_node", "exit_reason", "holdout", "step_count", "open_waits",
                   "updated_at", "ended_at")
