"""The graph interpreter: advance runs as far as they can go, then stop at a wait or
the end.

Runs are advanced in batches (the runs of one broker message): one short transaction
locks them (SELECT … FOR UPDATE SKIP LOCKED: a run another worker holds is simply
left), reads what they share once (`scope.Scope`), and executes each run's frontier
node by node through the one interpreter (apps/engine/walk.py, which dry runs and test
cases share): the block's `run` decides the port, the targets join the frontier (several
targets: parallel branches), waits become rows. Steps, waits, node counts, run updates,
messages and tasks are written together at the end. A crash anywhere rolls the batch
back, effects included, and the sweeper finds its runs again.

If anything in a batch raises (a block, or the final inserts: a message too long for its
column, a repeated idempotency key), the batch is rolled back and its runs are advanced
one by one with a savepoint around each block that writes, so the run at fault fails
visibly and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.locks import advisory_xact_locks
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.models import Customer, Event
from apps.engine.context import (
    EngineContext,
    EngineEffects,
    condition_node,
    http_effect_store,
)
from apps.engine.graph import Node, compiled_version
from apps.engine.models import ACTIVE_STATES, Run, RunState, Wait, WaitKind
from apps.engine.scope import Scope
from apps.engine.walk import Walk, retry_delay
from blocks.base import Outcome, RunContext, WaitForEvent

logger = logging.getLogger(__name__)

__all__ = ["retry_delay", "run_advance", "runs_advance", "runs_advance_new"]

HttpCall = tuple[int, str, int, dict[str, Any]]  # run, node, visit, request


def runs_advance(run_ids: list[int], *, now: datetime | None = None) -> dict[int, str | None]:
    """Advance these runs until each waits or ends; returns their states (None for a run
    another worker holds or that does not exist)."""
    states: dict[int, str | None] = {}
    pending = list(dict.fromkeys(run_ids))
    while pending:
        try:
            calls = _batch_advance(pending, now, states)
        except Exception:  # redo them one by one: the run at fault fails on its own
            logger.warning("a batch of %d runs failed; advancing them one by one",
                           len(pending), exc_info=True)
            calls = []
            for run_id in pending:
                try:
                    calls += _isolated_advance(run_id, now, states)
                except Exception:  # one broken run must not stop the rest; the sweeper
                    logger.exception("advancing run %s failed", run_id)
        # HTTP calls happen between transactions; their runs then go on.
        for run_id, node_id, visit, request in calls:
            http_effect_store(run_id, node_id, visit, _http_call(run_id, node_id, visit, request))
        pending = [call[0] for call in calls]
    return states


def run_advance(run_id: int, *, now: datetime | None = None) -> str | None:
    """Advance one run until it waits or ends; returns its state."""
    return runs_advance([run_id], now=now).get(run_id)


def runs_advance_new(runs: list[Run], now: datetime, *, customers: Mapping[int, Customer],
                     events: Mapping[int, Event]) -> list[Run]:
    """Advance runs created in the caller's transaction and not inserted yet (the caller
    inserts them afterwards, in the state they reached). Returns the runs a worker must
    take on: ones waiting for an HTTP call, or all of them, unchanged, if the batch
    failed (a savepoint undoes its writes)."""
    needs_worker: list[Run] = []
    try:
        with transaction.atomic():
            scope = Scope(runs, now, customers=customers, events=events, runs_stored=False)
            for run in runs:
                pass_ = _Pass(run, scope, isolated=False)
                if pass_.execute() is not None:
                    needs_worker.append(run)
                pass_.collect()
            scope.flush()
    except Exception:
        logger.warning("advancing %d new runs in place failed; a worker will take them",
                       len(runs), exc_info=True)
        for run in runs:
            _run_reset_new(run)
        return runs
    return needs_worker


def _run_reset_new(run: Run) -> None:
    """Back to how `runs_start` made it (cheaper than copying every run beforehand)."""
    run.state, run.attempts, run.step_count, run.open_waits = RunState.PENDING, 0, 0, 0
    run.frontier, run.visits, run.variables = [{"node": run.trigger_node, "visit": 1}], {}, {}
    run.error = run.failed_node = run.exit_reason = run.holdout = ""
    run.updated_at, run.ended_at = run.created_at, None


def _batch_advance(run_ids: list[int], now: datetime | None,
                   states: dict[int, str | None]) -> list[HttpCall]:
    calls: list[HttpCall] = []
    with transaction.atomic():
        runs = list(Run.objects.select_for_update(skip_locked=True).filter(pk__in=run_ids)
                    .order_by("id"))
        states.update(dict.fromkeys(run_ids))
        states.update({run.pk: run.state for run in runs})
        active = [run for run in runs if run.state in ACTIVE_STATES]
        if not active:
            return calls
        scope = Scope(active, now or timezone.now())
        for run in active:
            pass_ = _Pass(run, scope, isolated=False)
            http = pass_.execute()
            pass_.collect()
            states[run.pk] = run.state
            if http is not None:
                calls.append((run.pk, *http))
        scope.flush()
    return calls


def _isolated_advance(run_id: int, now: datetime | None,
                      states: dict[int, str | None]) -> list[HttpCall]:
    """One run in its own transaction, each writing block in a savepoint and its effects
    written at once: a block that raises fails this run, visibly."""
    with transaction.atomic():
        run = Run.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        states[run_id] = run.state if run is not None else None
        if run is None or run.state not in ACTIVE_STATES:
            return []
        scope = Scope([run], now or timezone.now(), batched_effects=False)
        pass_ = _Pass(run, scope, isolated=True)
        http = pass_.execute()
        pass_.collect()
        scope.flush()
        states[run_id] = run.state
    return [(run_id, *http)] if http is not None else []


def _http_call(run_id: int, node_id: str, visit: int, request: dict[str, Any]) -> dict[str, Any]:
    from apps.engine.context import idempotency_key
    from apps.integrations.http import http_request

    return dict(http_request(idempotency_key=idempotency_key(run_id, node_id, visit),
                             **request))


class _BatchAbort(Exception):
    """A block raised inside a batch: the batch is redone run by run."""


class _Pass(Walk):
    """One transaction's worth of progress on one stored run (the run row is locked):
    the walk of apps/engine/walk.py over Wait rows, the batch's shared reads and its
    pending writes (`scope`). `isolated`: each writing block runs in a savepoint, so one
    that raises can be recorded as this run's failure; in a batch it aborts the batch
    instead."""

    def __init__(self, run: Run, scope: Scope, *, isolated: bool) -> None:
        super().__init__(run, compiled_version(run.version_id), scope.now,
                         scope.customers.get(run.customer_id), run_id=run.pk)
        self.stored = run
        self.scope = scope
        self.isolated = isolated
        self.new_waits: list[Wait] = []

    def collect(self) -> None:
        """Hand what the pass produced to the scope, which writes it for the batch."""
        run, scope = self.stored, self.scope
        run.updated_at = self.now
        run.step_count += len(self.steps)
        scope.new_waits += self.new_waits
        scope.steps += self.steps
        scope.counts[run.workflow_id].update(self.counts)

    # --- storage hooks (see Walk) -------------------------------------------------------

    def _context(self) -> tuple[EngineContext, EngineEffects]:
        run = self.stored
        event = self.scope.events.get(run.trigger_event_id) if run.trigger_event_id else None
        effects = EngineEffects(run, self.customer, self.now, scope=self.scope)
        ctx = EngineContext(now=self.now, customer=self.customer, event=event,
                            run_id=run.pk, workflow_id=run.workflow_id,
                            workflow_name=self.graph.workflow_name, effects=effects,
                            variables=run.variables, scope=self.scope)
        return ctx, effects

    def _fired_take(self) -> list[Wait]:
        fired = self.scope.fired.pop(self.stored.pk, [])
        self.scope.consumed_waits += [wait.pk for wait in fired]
        return fired

    def _fired_event(self, event_id: int) -> Event | None:
        return self.scope.events.get(event_id)

    def _wait_add(self, kind: str, node_id: str, visit: int, wake_at: datetime, *,
                  port: str, event_type: str, condition: dict[str, Any] | None,
                  happened_port: str, port_from: str, ports: list[str]) -> None:
        run = self.stored
        self.new_waits.append(Wait(
            run=run, workflow_id=run.workflow_id, customer_id=run.customer_id,
            node_id=node_id, visit=visit, kind=kind, wake_at=wake_at, port=port,
            event_type=event_type, condition=condition, happened_port=happened_port,
            port_from=port_from, ports=ports, created_at=self.now))

    def _waits_drop(self) -> None:
        self.scope.ended_runs.append(self.stored.pk)  # its stored waits go at the flush
        self.new_waits = []

    def _block_call(self, node: Node, ctx: RunContext) -> Outcome:
        assert node.spec is not None
        if node.spec.pure or not self.isolated:
            return node.spec.run(ctx, node.config)
        # A savepoint: SQL that fails inside a block (services use no savepoints of their
        # own) must not break the pass, or the failure could not be recorded.
        with transaction.atomic():
            return node.spec.run(ctx, node.config)

    def _block_raised(self, node: Node, exc: Exception) -> Outcome:
        assert node.spec is not None
        if not self.isolated and not node.spec.pure:
            raise _BatchAbort(f"{node.type} raised in run {self.stored.pk}") from exc
        logger.exception("block %s raised in run %s", node.type, self.stored.pk)
        return super()._block_raised(node, exc)

    def _throttled(self) -> bool:
        """A run that has not executed its trigger yet waits while the workflow is over
        its concurrency limit (checked again when the wait fires)."""
        run = self.stored
        limit = self.graph.settings.throttle.max_concurrent_runs
        if not limit or run.step_count or not run.frontier:
            return False
        if self.scope.running(run.workflow_id) < limit:
            self.scope.started(run.workflow_id)
            return False
        item = run.frontier.pop(0)
        recheck = timedelta(seconds=settings.KEEPFLOW_ENGINE["THROTTLE_RECHECK_SECONDS"])
        self._wait(WaitKind.THROTTLE, item["node"], item.get("visit", 1), self.now + recheck)
        self._settle()
        return True

    def _event_early(self, outcome: WaitForEvent) -> Event | None:
        """Close the lost-wakeup gap: an event stored while this pass runs cannot see the
        wait yet (it is not committed). Under the customer's event lock, which the event
        handler also takes, look for one received since the pass began."""
        run = self.stored
        advisory_xact_locks("customer-events", [(run.customer_id,)])
        candidates = Event.objects.filter(customer_id=run.customer_id,
                                          type=outcome.event_type,
                                          received_at__gte=self.now).order_by("id")
        for event in candidates[:20]:
            if not outcome.condition or condition_evaluate(
                    condition_node(outcome.condition), customer=self.customer, event=event,
                    now=self.now):
                return event
        return None
