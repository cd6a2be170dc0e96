"""The one interpreter: how a run walks its workflow's graph.

Live runs (apps/engine/interpreter.py), dry runs and workflow test cases
(apps/workflows/dryrun.py) all go through `Walk`, so a test case cannot pass on
semantics the engine does not have. A pass takes the run's frontier (a FIFO queue of
(node, visit) items; parallel branches are the targets of one port, queued in edge
order), executes each node through its block's `spec.run`, and follows the outcome:

- Continue: the output becomes the node's variable, the port's targets are queued;
- WaitUntil / WaitForEvent: a wait is stored and the branch rests until it fires (an
  event that arrived since the pass began fires it at once);
- Exit: the run ends (its other branches and waits with it);
- Fail: retried with backoff as a wait while attempts remain, else the run fails.

Per-run limits (steps, visits of one node) hold across waits, so a loop through a wait
ends; `spec.holdout_port` puts the run in the control group; `spec.pure` tells storage
that a block writes nothing.

What differs between a live run and a dry run is storage, given by a subclass through
the hooks below: where waits go (Wait rows, or the dry run's list that a simulated
clock fires), what a block's effects do (services, or a recorder), how a block that
raises is treated (a batch of runs is redone one by one), and which events have come in
since the pass began.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from apps.common.templating import TemplateError, plain
from apps.engine.context import HttpNeeded
from apps.engine.graph import CompiledGraph, Node
from apps.engine.models import RunState, WaitKind
from blocks.base import (
    Continue,
    Exit,
    Fail,
    Outcome,
    RenderError,
    RunContext,
    WaitForEvent,
    WaitUntil,
)

MAX_STEPS_PER_PASS = 1_000

# One step, as the values of apps.engine.scope.STEP_FIELDS: run id (None in a dry run),
# node, block type, visit, outcome, port, detail, error, started at, duration in µs.
StepRow = tuple[int | None, str, str, int, str, str, Any, str, datetime, int]
# A node that needs an HTTP call made between transactions: (node, visit, request).
HttpRequest = tuple[str, int, dict[str, Any]]


class WalkRun(Protocol):
    """The run state a walk reads and changes: the engine's Run row, or a dry run's copy
    in memory. The verbs are the run's state transitions."""

    state: Any
    frontier: Any  # [{"node": id, "visit": n}], first executed first
    visits: Any  # {node: highest visit}
    variables: Any  # {node: output}
    attempts: int
    holdout: str
    step_count: int
    open_waits: int
    error: str
    failed_node: str
    exit_reason: str
    ended_at: datetime | None

    def start(self) -> Any: ...
    def wait(self) -> Any: ...
    def complete(self) -> Any: ...
    def exit(self) -> Any: ...
    def fail(self) -> Any: ...


class FiredWait(Protocol):
    """A wait that fired (a Wait row, or a dry run's in-memory wait)."""

    kind: str
    node_id: str
    visit: int
    fired_port: str
    created_at: datetime
    fired_event_id: int | None


class WalkEvent(Protocol):
    """An event that resumes a wait (apps.customers.models.Event, stored or not)."""

    pk: Any
    type: str
    properties: Any


class WalkContext(RunContext, Protocol):
    """A block context the walk points at the node it executes."""

    node_id: str  # writable here, read-only to blocks


class KeyedEffects(Protocol):
    """The effects object of a context: told which node and visit it acts for, so that
    each effect is keyed by (run, node, visit)."""

    node_id: str
    visit: int


class Ended(Exception):
    """The run ended in this pass (exit or failure); nothing more to execute."""


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff for retryable failures: base · 2^(attempt-1), capped."""
    base = settings.KEEPFLOW_ENGINE["RETRY_BASE_SECONDS"]
    cap = settings.KEEPFLOW_ENGINE["RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


class Walk(ABC):
    """One pass over one run at one moment (`now`): consume the waits that fired,
    execute the frontier until it is empty, a node needs an HTTP call, or the run ends.
    Steps and node counts are collected in `steps` and `counts` for the caller."""

    def __init__(self, run: WalkRun, graph: CompiledGraph, now: datetime, customer: Any,
                 *, run_id: int | None) -> None:
        self.run = run
        self.graph = graph
        self.now = now
        self.customer = customer
        self.run_id = run_id
        self.steps: list[StepRow] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        self.ctx: WalkContext | None = None
        self.effects: KeyedEffects | None = None

    # --- storage hooks ------------------------------------------------------------------

    @abstractmethod
    def _context(self) -> tuple[WalkContext, KeyedEffects]:
        """The block context for this pass and its effects object."""

    @abstractmethod
    def _fired_take(self) -> Sequence[FiredWait]:
        """The run's waits that fired since its last pass, oldest first; they are
        consumed by this pass."""

    @abstractmethod
    def _fired_event(self, event_id: int) -> WalkEvent | None:
        """The event that fired a wait."""

    @abstractmethod
    def _wait_add(self, kind: str, node_id: str, visit: int, wake_at: datetime, *,
                  port: str, event_type: str, condition: dict[str, Any] | None,
                  happened_port: str, port_from: str, ports: list[str]) -> None:
        """Store a new wait of this run."""

    @abstractmethod
    def _waits_drop(self) -> None:
        """The run ended: its waits, stored or new, go."""

    @abstractmethod
    def _event_early(self, outcome: WaitForEvent) -> WalkEvent | None:
        """An event that satisfies this wait and arrived since the pass began (it
        could not see the wait, which did not exist yet)."""

    def _block_call(self, node: Node, ctx: RunContext) -> Outcome:
        """Run the block (storage may wrap it, e.g. in a savepoint)."""
        assert node.spec is not None
        return node.spec.run(ctx, node.config)

    def _block_raised(self, node: Node, exc: Exception) -> Outcome:
        """A block that raises fails its run, visibly (storage may decide otherwise)."""
        return Fail(f"{type(exc).__name__}: {exc}", retryable=False)

    def _throttled(self) -> bool:
        """Whether the run must wait before its first step (the workflow's concurrency
        limit, which only live runs have)."""
        return False

    # --- the pass -----------------------------------------------------------------------

    def execute(self) -> HttpRequest | None:
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
            self.ctx, self.effects = self._context()
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
        except Ended:
            pass
        return None

    def _consume_fired_waits(self) -> None:
        """Fired waits (timer due, event arrived, retry due, throttle over) become frontier
        items again: the wait node's targets on the fired port, or the node itself for a
        retry or a throttled start."""
        run = self.run
        for wait in self._fired_take():
            run.open_waits = max(0, run.open_waits - 1)
            if wait.kind in (WaitKind.RETRY, WaitKind.THROTTLE):
                run.frontier.append({"node": wait.node_id, "visit": wait.visit})
                continue
            detail: dict[str, Any] = {"waited_since": wait.created_at.isoformat()}
            if wait.fired_event_id:
                event = self._fired_event(wait.fired_event_id)
                if event is not None:
                    run.variables[wait.node_id] = {"event": {"type": event.type,
                                                             "properties": event.properties}}
                detail["event_id"] = wait.fired_event_id
            self._step(wait.node_id, wait.visit, "resume", wait.fired_port, detail=detail)
            self.counts[(wait.node_id, f"port:{wait.fired_port}")] += 1
            self._push_targets(wait.node_id, wait.fired_port)

    def _execute(self, item: dict[str, Any]) -> None:
        run, ctx, effects = self.run, self.ctx, self.effects
        assert ctx is not None and effects is not None
        node_id: str = item["node"]
        visit: int = item.get("visit") or run.visits.get(node_id, 0) + 1
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
        outcome: Outcome
        try:
            outcome = self._block_call(node, ctx)
        except HttpNeeded:
            raise
        except (TemplateError, RenderError) as exc:  # one a block did not catch itself
            outcome = Fail(f"template: {exc}", retryable=False)
        except Exception as exc:
            outcome = self._block_raised(node, exc)
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
            early = self._event_early(outcome)
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

    def _push_targets(self, node_id: str, port: str) -> None:
        for target in self.graph.next_nodes(node_id, port):
            self.run.frontier.append({"node": target, "visit": 0})

    def _wait(self, kind: str, node_id: str, visit: int, wake_at: datetime, *, port: str = "",
              event_type: str = "", condition: dict[str, Any] | None = None,
              happened_port: str = "", port_from: str = "",
              ports: list[str] | None = None) -> None:
        self._wait_add(kind, node_id, visit, wake_at, port=port, event_type=event_type,
                       condition=condition, happened_port=happened_port, port_from=port_from,
                       ports=ports or [])
        self.run.open_waits += 1

    def _step(self, node_id: str, visit: int, outcome: str, port: str, block_type: str = "",
              duration: int = 0, *, detail: Mapping[str, Any] | None = None,
              error: str = "") -> None:
        if not block_type:
            node = self.graph.nodes.get(node_id)
            block_type = node.type if node is not None else ""
        self.steps.append((self.run_id, node_id, block_type, visit, outcome, port,
                           plain(detail or {}), error, self.now, duration))

    # --- ends ---------------------------------------------------------------------------

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
        self._waits_drop()
        if node_id:
            self.counts[(node_id, "exited")] += 1
        raise Ended

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
        self._waits_drop()
        run.open_waits = 0
        run.error = f"{node_id}: {error}"
        run.failed_node = node_id
        run.ended_at = self.now
        self.counts[(node_id, "failed")] += 1
        raise Ended

