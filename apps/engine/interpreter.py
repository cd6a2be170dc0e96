"""The graph interpreter: advance runs as far as they can go, then stop at a wait or
the end.

Runs are advanced in batches (the runs of one broker message): one short transaction
locks them (SELECT … FOR UPDATE SKIP LOCKED: a run another worker holds is simply
left), reads what they share once (`scope.Scope`), and executes each run's frontier
node by node: the block's `run` decides the port, the targets join the frontier (several
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
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.locks import advisory_xact_locks
from apps.common.templating import TemplateError
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.models import Customer, Event
from apps.engine.context import (
    EngineContext,
    EngineEffects,
    HttpNeeded,
    condition_node,
    http_effect_store,
)
from apps.engine.graph import CompiledGraph, compiled_version
from apps.engine.models import ACTIVE_STATES, Run, RunState, Wait, WaitKind
from apps.engine.scope import Scope
from blocks.base import Continue, Exit, Fail, WaitForEvent, WaitUntil

logger = logging.getLogger(__name__)

MAX_STEPS_PER_PASS = 1_000
# Blocks whose run() touches no database: they need no savepoint.

HttpCall = tuple[int, str, int, dict[str, Any]]  # run, node, visit, request


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff for retryable failures: base · 2^(attempt-1), capped."""
    base = settings.KEEPFLOW_ENGINE["RETRY_BASE_SECONDS"]
    cap = settings.KEEPFLOW_ENGINE["RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


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


class _Ended(Exception):
    pass


class _BatchAbort(Exception):
    """A block raised inside a batch: the batch is redone run by run."""


class _Pass:
    """One transaction's worth of progress on one run (the run row is locked).
    `isolated`: each writing block runs in a savepoint, so one that raises can be
    recorded as this run's failure; in a batch it aborts the batch instead."""

    def __init__(self, run: Run, scope: Scope, *, isolated: bool) -> None:
        self.run = run
        self.scope = scope
        self.isolated = isolated
        self.now = scope.now
        self.graph: CompiledGraph = compiled_version(run.version_id)
        self.steps: list[tuple] = []  # values of scope.STEP_FIELDS
        self.counts: Counter[tuple[str, str]] = Counter()
        self.new_waits: list[Wait] = []
        self.customer = scope.customers.get(run.customer_id)
        self.effects: EngineEffects | None = None
        self.ctx: EngineContext | None = None

    # --- the pass ---------------------------------------------------------------------

    def execute(self) -> tuple[str, int, dict[str, Any]] | None:
        """Run the frontier; returns (node, visit, request) if an HTTP call is needed."""
        run = self.run
        try:
            if self.customer is None or self.customer.erased_at is not None:
                self._end_exit("customer_erased")
            if run.state == RunState.WAITING or run.step_count:
                self._consume_fired_waits()
            if not run.frontier:
                self._settle()
                return None
            if run.state != RunState.RUNNING:
                run.start()
            if self._throttled():
                return None
            self._make_context()
            executed = 0
            while run.frontier:
                if executed >= MAX_STEPS_PER_PASS:
                    self._end_fail(run.frontier.pop(0)["node"],
                                   f"stopped after {MAX_STEPS_PER_PASS} steps in one go "
                                   "(a loop without a wait?)")
                item = run.frontier.pop(0)
                try:
                    self._execute(item)
                except HttpNeeded as needed:
                    run.frontier.insert(0, item)
                    return item["node"], item["visit"], needed.request
                executed += 1
            self._settle()
        except _Ended:
            pass
        return None

    def collect(self) -> None:
        """Hand what the pass produced to the scope, which writes it for the batch."""
        run, scope = self.run, self.scope
        run.updated_at = self.now
        run.step_count += len(self.steps)
        scope.new_waits += self.new_waits
        scope.steps += self.steps
        scope.counts[run.workflow_id].update(self.counts)

    # --- pieces -----------------------------------------------------------------------

    def _make_context(self) -> None:
        run = self.run
        event = self.scope.events.get(run.trigger_event_id) if run.trigger_event_id else None
        self.effects = EngineEffects(run, self.customer, self.now, scope=self.scope)
        self.ctx = EngineContext(now=self.now, customer=self.customer, event=event,
                                 run_id=run.pk, workflow_id=run.workflow_id,
                                 workflow_name=self.graph.workflow_name, effects=self.effects,
                                 variables=run.variables, scope=self.scope)

    def _consume_fired_waits(self) -> None:
        """Fired waits (timer due, event arrived, retry due, throttle over) become frontier
        items again: the wait node's targets on the fired port, or the node itself for a
        retry or a throttled start."""
        run = self.run
        fired = self.scope.fired.pop(run.pk, [])
        if not fired:
            return
        for wait in fired:
            run.open_waits = max(0, run.open_waits - 1)
            if wait.kind in (WaitKind.RETRY, WaitKind.THROTTLE):
                run.frontier.append({"node": wait.node_id, "visit": wait.visit})
                continue
            detail: dict[str, Any] = {"waited_since": wait.created_at.isoformat()}
            if wait.fired_event_id:
                event = self.scope.events.get(wait.fired_event_id)
                if event is not None:
                    run.variables[wait.node_id] = {"event": {"type": event.type,
                                                             "properties": event.properties}}
                detail["event_id"] = wait.fired_event_id
            self._step(wait.node_id, wait.visit, "resume", wait.fired_port, detail=detail)
            self.counts[(wait.node_id, f"port:{wait.fired_port}")] += 1
            self._push_targets(wait.node_id, wait.fired_port)
        self.scope.consumed_waits += [wait.pk for wait in fired]

    def _throttled(self) -> bool:
        """A run that has not executed its trigger yet waits while the workflow is over
        its concurrency limit (checked again when the wait fires)."""
        run = self.run
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

    def _execute(self, item: dict[str, Any]) -> None:
        run, ctx, effects = self.run, self.ctx, self.effects
        assert ctx is not None and effects is not None
        node_id = item["node"]
        visit = item.get("visit") or run.visits.get(node_id, 0) + 1
        item["visit"] = visit
        run.visits[node_id] = max(run.visits.get(node_id, 0), visit)
        node = self.graph.nodes.get(node_id)
        if node is None or node.spec is None or node.config is None or node.error:
            reason = node.error if node is not None else "the node is not in this version"
            self._end_fail(node_id, reason, visit=visit)
        assert node is not None and node.spec is not None
        self._limits_check(node_id, visit)
        ctx.node_id = effects.node_id = node_id
        effects.visit = visit
        started = time.perf_counter()
        try:
            if node.spec.pure or not self.isolated:
                outcome = node.spec.run(ctx, node.config)
            else:
                # A savepoint: SQL that fails inside a block (services use no savepoints
                # of their own) must not break the pass, or the failure could not be
                # recorded.
                with transaction.atomic():
                    outcome = node.spec.run(ctx, node.config)
        except HttpNeeded:
            raise
        except TemplateError as exc:
            outcome = Fail(f"template: {exc}", retryable=False)
        except Exception as exc:  # a block that raises fails its run, visibly
            if not self.isolated and not node.spec.pure:
                raise _BatchAbort(f"{node.type} raised in run {run.pk}") from exc
            logger.exception("block %s raised in run %s", node.type, run.pk)
            outcome = Fail(f"{type(exc).__name__}: {exc}", retryable=False)
        duration = int((time.perf_counter() - started) * 1_000_000)
        self.counts[(node_id, "entered")] += 1 if not isinstance(outcome, Fail) else 0
        self._follow(node_id, node.type, visit, outcome, duration,
                     holdout_port=node.spec.holdout_port)

    def _limits_check(self, node_id: str, visit: int) -> None:
        """Per-run limits that hold across waits (MAX_STEPS_PER_PASS does not): a loop
        through a wait, or one that fans out and doubles, ends as a failed run."""
        limits = settings.KEEPFLOW_ENGINE
        if self.run.step_count + len(self.steps) >= limits["RUN_MAX_STEPS"]:
            self._end_fail(node_id, _(
                "stopped: this run reached its limit of %(limit)d steps "
                "(KEEPFLOW_RUN_MAX_STEPS). Does a loop never end?") % {
                "limit": limits["RUN_MAX_STEPS"]}, visit=visit)
        if visit > limits["RUN_MAX_NODE_VISITS"]:
            self._end_fail(node_id, _(
                "stopped: this step was reached more than %(limit)d times in this run "
                "(KEEPFLOW_RUN_MAX_NODE_VISITS). Does a loop never end?") % {
                "limit": limits["RUN_MAX_NODE_VISITS"]}, visit=visit)

    def _follow(self, node_id: str, block_type: str, visit: int, outcome: Any,
                duration: int, *, holdout_port: str = "") -> None:
        run = self.run
        if isinstance(outcome, Continue):
            if outcome.output:
                run.variables[node_id] = dict(outcome.output)
            run.attempts = 0
            if holdout_port and outcome.port == holdout_port:
                run.holdout = "split"  # the report counts it in the control group
            self._step(node_id, visit, "continue", outcome.port, block_type, duration,
                       detail=dict(outcome.output) if outcome.output else {})
            self.counts[(node_id, f"port:{outcome.port}")] += 1
            self._push_targets(node_id, outcome.port)
        elif isinstance(outcome, WaitUntil):
            if outcome.at <= self.now:  # a wait that is already over: go on at once
                self._step(node_id, visit, "continue", outcome.port, block_type, duration,
                           detail={"until": outcome.at.isoformat(), "waited": False})
                self.counts[(node_id, f"port:{outcome.port}")] += 1
                self._push_targets(node_id, outcome.port)
                return
            self._wait(WaitKind.TIMER, node_id, visit, outcome.at, port=outcome.port)
            self._step(node_id, visit, "wait", "", block_type, duration,
                       detail={"until": outcome.at.isoformat()})
        elif isinstance(outcome, WaitForEvent):
            early = self._event_since_pass_start(outcome)
            if early is not None:  # it came while this pass ran: no wait needed
                run.variables[node_id] = {"event": {"type": early.type,
                                                    "properties": early.properties}}
                port = outcome.port_for(early.properties)
                self._step(node_id, visit, "continue", port, block_type,
                           duration, detail={"event_id": early.pk, "waited": False})
                self.counts[(node_id, f"port:{port}")] += 1
                self._push_targets(node_id, port)
                return
            self._wait(WaitKind.EVENT, node_id, visit, outcome.timeout_at,
                       port=outcome.timeout_port, event_type=outcome.event_type,
                       condition=dict(outcome.condition) if outcome.condition else None,
                       happened_port=outcome.happened_port, port_from=outcome.port_from,
                       ports=list(outcome.ports))
            self._step(node_id, visit, "wait_event", "", block_type, duration,
                       detail={"event_type": outcome.event_type,
                               "timeout_at": outcome.timeout_at.isoformat()})
        elif isinstance(outcome, Exit):
            self._step(node_id, visit, "exit", "", block_type, duration,
                       detail={"reason": outcome.reason})
            self._end_exit(outcome.reason, node_id)
        elif isinstance(outcome, Fail):
            self._fail(node_id, block_type, visit, outcome, duration)
        else:
            self._end_fail(node_id, f"unknown outcome {outcome!r}", visit=visit)

    def _fail(self, node_id: str, block_type: str, visit: int, outcome: Fail,
              duration: int) -> None:
        run = self.run
        max_attempts = settings.KEEPFLOW_ENGINE["MAX_ATTEMPTS"]
        if outcome.retryable and run.attempts + 1 < max_attempts:
            run.attempts += 1
            wake = self.now + retry_delay(run.attempts)
            self._wait(WaitKind.RETRY, node_id, visit, wake)
            self._step(node_id, visit, "retry", "", block_type, duration, error=outcome.error,
                       detail={"attempt": run.attempts, "retry_at": wake.isoformat()})
            return
        self._step(node_id, visit, "fail", "", block_type, duration, error=outcome.error,
                   detail={"attempts": run.attempts + 1})
        self._end_fail(node_id, outcome.error, visit=visit, recorded=True)

    def _event_since_pass_start(self, outcome: WaitForEvent) -> Event | None:
        """Close the lost-wakeup gap: an event stored while this pass runs cannot see the
        wait yet (it is not committed). Under the customer's event lock, which the event
        handler also takes, look for one received since the pass began."""
        assert self.ctx is not None
        advisory_xact_locks("customer-events", [(self.run.customer_id,)])
        candidates = Event.objects.filter(customer_id=self.run.customer_id,
                                          type=outcome.event_type,
                                          received_at__gte=self.now).order_by("id")
        for event in candidates[:20]:
            if not outcome.condition or condition_evaluate(
                    condition_node(outcome.condition), customer=self.customer, event=event,
                    now=self.now):
                return event
        return None

    def _push_targets(self, node_id: str, port: str) -> None:
        for target in self.graph.next_nodes(node_id, port):
            self.run.frontier.append({"node": target, "visit": 0})

    def _wait(self, kind: str, node_id: str, visit: int, wake_at: datetime, *, port: str = "",
              event_type: str = "", condition: dict[str, Any] | None = None,
              happened_port: str = "", port_from: str = "",
              ports: list[str] | None = None) -> None:
        run = self.run
        self.new_waits.append(Wait(
            run=run, workflow_id=run.workflow_id, customer_id=run.customer_id,
            node_id=node_id, visit=visit, kind=kind, wake_at=wake_at, port=port,
            event_type=event_type, condition=condition, happened_port=happened_port,
            port_from=port_from, ports=ports or [], created_at=self.now))
        run.open_waits += 1

    def _step(self, node_id: str, visit: int, outcome: str, port: str, block_type: str = "",
              duration: int = 0, *, detail: dict[str, Any] | None = None,
              error: str = "") -> None:
        if not block_type:
            node = self.graph.nodes.get(node_id)
            block_type = node.type if node is not None else ""
        self.steps.append((self.run.pk, node_id, block_type, visit, outcome, port,
                           _jsonable(detail or {}), error, self.now, duration))

    # --- ends -------------------------------------------------------------------------

    def _settle(self) -> None:
        """Nothing left to execute now: the run waits, or it has completed."""
        run = self.run
        if run.open_waits:
            if run.state != RunState.WAITING:
                run.wait()
            return
        if run.state != RunState.RUNNING:
            run.start()
        run.complete()
        run.ended_at = self.now

    def _end_exit(self, reason: str, node_id: str = "") -> None:
        run = self.run
        run.exit()
        run.exit_reason = reason
        run.ended_at = self.now
        run.frontier = []
        run.open_waits = 0
        Wait.objects.filter(run=run).delete()
        self.new_waits = []
        if node_id:
            self.counts[(node_id, "exited")] += 1
        raise _Ended

    def _end_fail(self, node_id: str, error: str, *, visit: int = 1,
                  recorded: bool = False) -> None:
        """The run fails at this node; the node stays first in the frontier so a retry
        starts there (with the same visit, so its effects are not repeated)."""
        run = self.run
        if not recorded:
            self._step(node_id, visit, "fail", "", error=error)
        run.frontier.insert(0, {"node": node_id, "visit": visit})
        if run.state == RunState.WAITING:
            run.start()
        run.fail()
        # Other branches stop with it (a retry resumes from the failed step only).
        Wait.objects.filter(run=run).delete()
        self.new_waits = []
        run.open_waits = 0
        run.error = f"{node_id}: {error}"
        run.failed_node = node_id
        run.ended_at = self.now
        self.counts[(node_id, "failed")] += 1
        raise _Ended


def _jsonable(value: Any) -> Any:
    from apps.common.templating import plain

    return plain(value)
