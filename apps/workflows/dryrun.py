"""Dry runs and workflow test cases: the workflow run through the engine's own
interpreter (apps/engine/walk.py), with effects recorded instead of performed and a
simulated clock instead of the scheduler. Nothing is stored or sent.

The walk is the live one: the frontier is first in, first out (parallel branches
interleave in edge order, as on a worker), waits are waits, a retryable failure is
retried with the engine's backoff, per-run limits apply. Only storage differs:

- effects go to `EffectRecorder`, which records each call with its node, says what the
  messaging guardrails would do, and changes an in-memory copy of the customer;
- waits are kept in memory. When nothing is left to execute, the clock moves to the
  earliest thing pending: a timer or retry due, an event wait's timeout, or a later
  event at its time (`later_events[].at`). A later event without a time happens at the
  moment a wait of the run awaits it and wakes the waits open then. A timed event wakes
  every open wait it satisfies, as it does live, and one opening at that very moment
  (the engine's guard against a lost wake-up). The trigger event came before the run
  began: a wait for its type needs a later one.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, cast

from django.utils import timezone

from apps.common.templating import (
    TemplateError,
    plain,
    template_context_for,
    template_render,
)
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.conditions.schema import ConditionError, condition_parse
from apps.customers.models import Customer, Event, Segment, SegmentMembership
from apps.engine.context import condition_node, profile_changes_apply
from apps.engine.graph import CompiledGraph, Node, graph_compile
from apps.engine.models import ACTIVE_STATES, RunState, WaitKind
from apps.engine.walk import Walk
from apps.messaging.calls import call_verdict
from apps.messaging.guardrails import GuardrailFacts, customer_address, guardrails_check
from apps.workflows.models import WorkflowVersion
from blocks.base import (
    BlockSpec,
    CallResult,
    Category,
    Exit,
    Fail,
    HttpResult,
    MessageCategory,
    MessageResult,
    OfferResult,
    Outcome,
    ProfileChanges,
    ProfileResult,
    RenderError,
    SurveyResult,
    TaskResult,
    TriggerKind,
    WaitForEvent,
    WaitUntil,
    event_port,
)

EFFECT_TYPES = frozenset({"send_email", "send_sms", "create_task", "http_request",
                          "update_customer", "create_offer", "create_exit_survey",
                          "place_call"})
# Passes of one dry run at most (the engine's per-run limits end any loop long before).
MAX_PASSES = 10_000


@dataclass
class WalkResult:
    path: list[str] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "completed"  # completed | exited | failed | not_triggered
    error: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # the run's, by node
    customer: Customer | None = None  # the profile as the run left it (not stored)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "effects": self.effects, "outcome": self.outcome,
                "error": self.error, "steps": self.steps}


def _too_large(channel: str, subject: str, body: str) -> dict[str, str]:
    """Why messaging would fail this message for its size, shown before it is sent."""
    from apps.messaging.content import content_error

    error = content_error(channel, subject=subject, body=body)
    return {"too_large": error} if error else {}


class EffectRecorder:
    """The Effects protocol of blocks/base.py, recording each call with its node."""

    def __init__(self, customer: Customer, now: datetime) -> None:
        self.customer = customer
        self.records: list[dict[str, Any]] = []
        self.node_id = ""
        self.visit = 1
        self.now = now
        self.verdicts: dict[str, dict[str, Any]] = {}

    def _record(self, effect: str, /, **data: Any) -> None:
        self.records.append({**plain(data), "type": effect, "node": self.node_id})

    def _verdict(self, channel: str, category: str,
                 options: Mapping[str, Any] | None = None) -> None:
        """What the messaging guardrails would say now (consent, STOP, suppression list,
        frequency cap, quiet hours), so a dry run does not promise a message that would
        be suppressed. Read only: nothing is queued or counted."""
        verdict = guardrails_check(
            customer=self.customer, channel=channel, category=category,
            address=customer_address(self.customer, channel), now=self.now,
            facts=GuardrailFacts([self.customer], self.now))
        if channel == "call":  # held back to the queue's business hours as well
            verdict = call_verdict(verdict, self.customer, dict(options or {}), self.now)
        self.verdicts[self.node_id] = {
            "customer": self.customer.first_name or self.customer.external_id,
            "channel": channel, "action": verdict.action, "reason": str(verdict.reason),
            "until": verdict.until.isoformat() if verdict.until else None}

    def send_email(self, *, subject: str, body: str, format: Literal["html", "text"] = "html",
                   from_name: str | None = None, reply_to: str | None = None,
                   category: MessageCategory = "marketing",
                   variant: str = "default") -> MessageResult:
        options = {"format": format, "from_name": from_name, "reply_to": reply_to,
                   "category": category, "variant": variant}
        self._record("send_email", subject=subject, body=body, **options,
                     **_too_large("email", subject, body))
        self._verdict("email", category)
        return {"message_id": None, "status": "dry_run"}

    def send_sms(self, *, body: str, category: MessageCategory = "marketing",
                 variant: str = "default") -> MessageResult:
        options = {"category": category, "variant": variant}
        self._record("send_sms", body=body, **options, **_too_large("sms", "", body))
        self._verdict("sms", options.get("category", "marketing"))
        return {"message_id": None, "status": "dry_run"}

    def place_call(self, *, mode: Literal["bridge", "message"], agent_number: str, text: str,
                   menu: str, category: MessageCategory, queue: str) -> CallResult:
        """Recorded with the guardrails' verdict on the `call` channel; a call they would
        stop leaves by `not_called`, as in a real run."""
        call = {"mode": mode, "agent_number": agent_number, "text": text, "menu": menu,
                "category": category, "queue": queue}
        self._record("place_call", **call)
        self._verdict("call", call.get("category", "marketing"), call)
        verdict = self.verdicts[self.node_id]
        if verdict["action"] == "suppress":
            return {"call_id": None, "status": "suppressed", "reason": verdict["reason"]}
        return {"call_id": None, "status": "dry_run", "reason": None,
                "scheduled_at": verdict["until"] or self.now.isoformat()}

    def create_task(self, *, kind: str, queue: str, title: str, notes: str,
                    due_at: datetime, business_hours: bool, priority: str) -> TaskResult:
        self._record("create_task", kind=kind, queue=queue, title=title, notes=notes,
                     due_at=due_at, business_hours=business_hours, priority=priority)
        return {"task_id": None, "status": "dry_run"}

    def http_request(self, *, method: str, url: str, headers: Mapping[str, str],
                     json: Any, credential_id: int | None,
                     timeout_seconds: int) -> HttpResult:
        self._record("http_request", method=method, url=url, headers=headers, json=json,
                     credential_id=credential_id, timeout_seconds=timeout_seconds)
        return {"status": 200, "json": {}}

    def update_customer(self, changes: ProfileChanges) -> ProfileResult:
        """Applied to the run's in-memory customer only (as the engine applies it), so
        later nodes see it."""
        self._record("update_customer", **changes)
        _fields, result = profile_changes_apply(self.customer, changes)
        return result

    def create_offer(self, *, code_pattern: str, kind: str, value: Decimal,
                     currency: str | None, expires_at: datetime | None,
                     link_target_url: str | None, page_headline: str = "",
                     page_text: str = "") -> OfferResult:
        offer: dict[str, Any] = {"code_pattern": code_pattern, "kind": kind, "value": value,
                 "currency": currency, "expires_at": expires_at,
                 "link_target_url": link_target_url}
        offer |= {name: text for name, text in (("page_headline", page_headline),
                                                ("page_text", page_text)) if text}
        self._record("create_offer", **offer)
        return cast(OfferResult, {
            **plain(offer), "code": f"TEST-{self.node_id}".upper(),
            "link": f"https://keepflow.example/o/test-{self.node_id}", "status": "dry_run"})

    def create_exit_survey(self, *, channel: Literal["email", "sms"], reason_codes: list[str],
                           expires_at: datetime, question: str = "",
                           intro: str = "") -> SurveyResult:
        survey: dict[str, Any] = {"channel": channel, "reason_codes": reason_codes,
                                  "expires_at": expires_at}
        survey |= {name: text for name, text in (("question", question), ("intro", intro))
                   if text}
        self._record("create_exit_survey", **survey)
        return cast(SurveyResult, {
            **plain(survey), "survey_id": None,
            "url": f"https://keepflow.example/s/test-{self.node_id}", "status": "dry_run"})


@dataclass
class DryContext:
    """The RunContext protocol of blocks/base.py over in-memory data."""

    now: datetime
    customer: Customer
    event: Event | None
    effects: EffectRecorder
    workflow_id: int | None
    workflow_name: str
    segments: frozenset[int] | None
    variables: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None
    node_id: str = ""

    def _latest(self, name: str) -> Mapping[str, Any] | None:
        found = [v[name] for v in self.variables.values()
                 if isinstance(v, Mapping) and isinstance(v.get(name), Mapping)]
        return found[-1] if found else None

    def render(self, template: str, *, html: bool = False,
               extra: Mapping[str, Any] | None = None) -> str:
        context = template_context_for(self.customer, self.event,
                                       run={"id": None, "workflow_name": self.workflow_name},
                                       offer=self._latest("offer"),
                                       survey=self._latest("survey"))
        context.update({key: plain(value) for key, value in (extra or {}).items()})
        try:
            return template_render(template, context, html=html)
        except TemplateError as err:  # blocks catch their own error (RunContext.render)
            raise RenderError(err.message, code=err.code, line=err.line,
                              column=err.column) from err

    def condition_matches(self, condition: Mapping[str, Any], event: Event | None = None
                          ) -> bool:
        return condition_evaluate(condition_node(condition), customer=self.customer,
                                  event=event or self.event, now=self.now)

    def in_segment(self, segment_id: int) -> bool:
        if self.segments is not None:
            return segment_id in self.segments
        if self.customer.pk is not None:
            return SegmentMembership.objects.filter(segment_id=segment_id,
                                                    customer=self.customer).exists()
        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is None:
            return False
        node = condition_parse(segment.condition, root="customer")
        return condition_evaluate(node, customer=self.customer, now=self.now)


class _Stop(Exception):
    def __init__(self, outcome: str, error: str | None = None) -> None:
        self.outcome, self.error = outcome, error


def _customer(given: Mapping[str, Any]) -> Customer:
    data = given.get("customer", {})
    if isinstance(data, str):
        customer = Customer.objects.filter(external_id=data, erased_at__isnull=True).first()
        if customer is None:
            raise _Stop("failed", f"no customer with external id {data!r}")
        return customer
    return Customer(**{"external_id": "test-customer", **data})


def _event(given: Mapping[str, Any], customer: Customer, now: datetime) -> Event | None:
    data = given.get("event")
    if not data:
        return None
    return Event(customer=customer, type=data["type"], properties=data.get("properties") or {},
                 occurred_at=_datetime(data.get("occurred_at")) or now, received_at=now)


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _event_kind(spec: BlockSpec) -> bool:
    """A trigger that starts on a customer event of a type (its spec's declaration)."""
    return spec.trigger is not None and spec.trigger.kind == TriggerKind.EVENT


def _listens(node: Node) -> tuple[str, Mapping[str, Any] | None] | None:
    """(event type, condition) of an event trigger with a valid config, else None."""
    spec, config = node.spec, node.config
    if spec is None or spec.trigger is None or config is None or not _event_kind(spec):
        return None
    return spec.trigger.event_type(config), spec.trigger.event_condition(config)


def _names_its_event(node: Node) -> bool:
    """An event trigger whose config names the customer event it starts on (not one whose
    event the engine makes, like a segment entry): a case without an event cannot enter
    by it."""
    return node.spec is not None and _event_kind(node.spec) \
        and "event_type" in node.spec.config_model.model_fields


def _start(given: Mapping[str, Any], graph: CompiledGraph, ctx: DryContext) -> str | None:
    """The trigger the case enters by: `given.trigger`; else the first event trigger that
    matches the event's type and condition; else, when no event is given, the first
    trigger of another kind (date, inactivity, segment, schedule, webhook, manual)."""
    triggers = [node for node in graph.nodes.values()
                if node.spec is not None and node.spec.category == Category.TRIGGER]
    if given.get("trigger"):
        if given["trigger"] not in {node.id for node in triggers}:
            raise _Stop("failed", f"given.trigger {given['trigger']!r} is not a trigger node")
        return str(given["trigger"])
    event = ctx.event
    if event is None:
        others = [node for node in triggers if not _names_its_event(node)]
        return others[0].id if others else None
    for node in triggers:
        if node.error and node.spec is not None and _event_kind(node.spec):
            raise _Stop("failed", f"{node.id}: {node.error}")
        listens = _listens(node)
        if listens is None or listens[0] != event.type:
            continue
        if listens[1] is None or _matches(ctx, listens[1]):
            return node.id
    return None


def _matches(ctx: DryContext, condition: Mapping[str, Any]) -> bool:
    try:
        return ctx.condition_matches(condition)
    except ConditionError as exc:
        raise _Stop("failed", f"{ctx.node_id or 'trigger'}: condition: {exc}") from None


# --- the dry run's storage: a run, its waits and its events in memory ----------------------


@dataclass
class _DryRunState:
    """apps.engine.walk.WalkRun in memory; the verbs only set the state (the engine's
    transitions guard what the walk never does)."""

    frontier: list[dict[str, Any]]
    visits: dict[str, int] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    state: str = RunState.PENDING
    attempts: int = 0
    holdout: str = ""
    step_count: int = 0
    open_waits: int = 0
    error: str = ""
    failed_node: str = ""
    exit_reason: str = ""
    ended_at: datetime | None = None

    def start(self) -> None:
        self.state = RunState.RUNNING

    def wait(self) -> None:
        self.state = RunState.WAITING

    def complete(self) -> None:
        self.state = RunState.COMPLETED

    def exit(self) -> None:
        self.state = RunState.EXITED

    def fail(self) -> None:
        self.state = RunState.FAILED


@dataclass
class _DryWait:
    """A Wait row in memory (the fields the walk and the clock read)."""

    id: int
    kind: str
    node_id: str
    visit: int
    wake_at: datetime
    created_at: datetime
    port: str = ""
    event_type: str = ""
    condition: dict[str, Any] | None = None
    happened_port: str = ""
    port_from: str = ""
    ports: list[str] = field(default_factory=list)
    fired_at: datetime | None = None
    fired_port: str = ""
    fired_event_id: int | None = None


@dataclass
class _Later:
    """An event the case says the customer makes later; `at` None: as soon as awaited."""

    type: str
    properties: dict[str, Any]
    at: datetime | None


class _DryRun:
    """One dry run: the run, its waits, the events that reached it, and what it shows."""

    def __init__(self, graph: CompiledGraph, start: str, ctx: DryContext,
                 later: Sequence[_Later], result: WalkResult) -> None:
        self.graph = graph
        self.ctx = ctx
        self.customer = ctx.customer
        self.recorder = ctx.effects
        self.now = ctx.now
        self.run = _DryRunState(frontier=[{"node": start, "visit": 1}])
        self.result = result
        self.waits: list[_DryWait] = []
        self.wait_ids = 0
        # Events by id, and those a wait opening at their moment still takes (the engine's
        # guard against a lost wake-up). The trigger event came before the run started.
        self.events: dict[int, Event] = {}
        self.received: list[Event] = []
        self.later = list(later)
        # The step shown for each (node, visit) whose port is not known yet (a wait).
        self.open_steps: dict[tuple[str, int], dict[str, Any]] = {}
        self.outcomes: dict[tuple[str, int], Outcome] = {}

    # --- the clock ---------------------------------------------------------------------

    def simulate(self) -> None:
        """Pass after pass, moving the clock to what is pending next, until the run ends."""
        self._pass()
        for _ in range(MAX_PASSES):
            if self.run.state not in ACTIVE_STATES:
                return
            fired = self._untimed_deliver()
            if not fired:
                moved = self._advance()
                if moved is None:  # nothing pending (a run that waits always has a wake-up)
                    return
                fired = moved
            if fired:
                self._pass()
        raise _Stop("failed", f"stopped after {MAX_PASSES} passes (a loop?)")

    def _pass(self) -> None:
        pass_ = _DryPass(self)
        pass_.execute()
        self.run.step_count += len(pass_.steps)

    def _open(self) -> list[_DryWait]:
        return [wait for wait in self.waits if wait.fired_at is None]

    def _untimed_deliver(self) -> bool:
        """Later events without a time that an open wait takes now (in the case's order:
        each fires the waits it satisfies, the rest wait for a later wait)."""
        fired = False
        for later in [item for item in self.later if item.at is None]:
            event = self._event(later, self.now)
            if any(self._satisfies(wait, event) for wait in self._open()):
                self.later.remove(later)
                fired = self._deliver(event, awaited_only=True) or fired
        return fired

    def _advance(self) -> bool | None:
        """Move the clock to the next timed event or due wait and fire what is due then:
        events first (an event at the very moment of a timeout counts), then timers.
        Returns whether a wait fired; None when nothing is pending."""
        times = [wait.wake_at for wait in self._open()]
        times += [later.at for later in self.later if later.at is not None]
        if not times:
            return None
        self.now = max(self.now, min(times))
        fired = False
        for later in [item for item in self.later if item.at is not None and
                      item.at <= self.now]:
            self.later.remove(later)
            fired = self._deliver(self._event(later, later.at or self.now)) or fired
        for wait in self._open():
            if wait.wake_at <= self.now:
                wait.fired_at, wait.fired_port = self.now, wait.port
                fired = True
        return fired

    # --- events ------------------------------------------------------------------------

    def _event(self, later: _Later, at: datetime) -> Event:
        return Event(pk=len(self.events) + 1, customer=self.customer, type=later.type,
                     properties=later.properties, occurred_at=at, received_at=at)

    def _deliver(self, event: Event, *, awaited_only: bool = False) -> bool:
        """The event arrives: it fires every open event wait it satisfies (as the
        engine's event handling does). Returns whether it fired one. `awaited_only`: an
        event without a time, which exists for the waits that awaited it and no other."""
        self.events[event.pk] = event
        if not awaited_only:
            self.received.append(event)
        fired = False
        for wait in self._open():
            if self._satisfies(wait, event):
                wait.fired_at, wait.fired_event_id = event.received_at, event.pk
                wait.fired_port = event_port(event.properties, wait.port_from, wait.ports,
                                             wait.happened_port)
                fired = True
        return fired

    def _satisfies(self, wait: _DryWait, event: Event) -> bool:
        if wait.kind != WaitKind.EVENT or wait.event_type != event.type:
            return False
        if event.received_at < wait.created_at:
            return False
        return not wait.condition or self.condition_holds(wait.condition, event,
                                                          event.received_at)

    def condition_holds(self, condition: Mapping[str, Any], event: Event, now: datetime
                        ) -> bool:
        return condition_evaluate(condition_node(condition), customer=self.customer,
                                  event=event, now=now)

    # --- what the run shows ------------------------------------------------------------

    def step_executed(self, node_id: str, block_type: str, visit: int, outcome: Outcome
                      ) -> None:
        """A node ran: it joins the path and gets its step (the port comes later for a
        wait)."""
        step: dict[str, Any] = {"node": node_id, "type": block_type,
                                "outcome": type(outcome).__name__, "port": None,
                                "detail": _detail(outcome)}
        if isinstance(outcome, Fail) and outcome.retryable and \
                self.run.attempts + 1 < _max_attempts():
            step["outcome"] = "Retry"
        verdict = self.recorder.verdicts.pop(node_id, None)
        if verdict is not None:
            step["message"] = verdict
        self.result.path.append(node_id)
        self.result.steps.append(step)
        self.open_steps[(node_id, visit)] = step
        self.outcomes[(node_id, visit)] = outcome

    def step_left(self, node_id: str, visit: int, port: str, event_id: int | None) -> None:
        """The node's branch left by `port` (at once, or when its wait fired)."""
        step = self.open_steps.pop((node_id, visit), None)
        outcome = self.outcomes.pop((node_id, visit), None)
        if step is None:
            return
        step["port"] = port
        if isinstance(outcome, WaitForEvent):
            step["detail"] = f"{outcome.event_type} happened" if event_id else \
                f"no {outcome.event_type} until {outcome.timeout_at.isoformat()}"

    def finish(self) -> None:
        run, result = self.run, self.result
        result.variables, result.customer = run.variables, self.customer
        result.outcome = {str(RunState.COMPLETED): "completed",
                          str(RunState.EXITED): "exited"}.get(str(run.state), "failed")
        if run.state == RunState.FAILED:
            result.error = run.error or None


def _detail(outcome: Outcome) -> str:
    if isinstance(outcome, WaitUntil):
        return f"waited until {outcome.at.isoformat()}"
    if isinstance(outcome, Exit):
        return outcome.reason
    if isinstance(outcome, Fail):
        return outcome.error
    return ""


def _max_attempts() -> int:
    from django.conf import settings

    return int(settings.KEEPFLOW_ENGINE["MAX_ATTEMPTS"])


class _DryPass(Walk):
    """One pass of a dry run at its clock's time: the walk over in-memory storage."""

    def __init__(self, dry: _DryRun) -> None:
        super().__init__(dry.run, dry.graph, dry.now, dry.customer, run_id=None)
        self.dry = dry

    def _context(self) -> tuple[DryContext, EffectRecorder]:
        dry = self.dry
        dry.recorder.now = self.now
        ctx = copy.copy(dry.ctx)
        ctx.now, ctx.variables = self.now, dry.run.variables
        return ctx, dry.recorder

    def _fired_take(self) -> list[_DryWait]:
        fired = [wait for wait in self.dry.waits if wait.fired_at is not None]
        self.dry.waits = [wait for wait in self.dry.waits if wait.fired_at is None]
        return fired

    def _fired_event(self, event_id: int) -> Event | None:
        return self.dry.events.get(event_id)

    def _wait_add(self, kind: str, node_id: str, visit: int, wake_at: datetime, *,
                  port: str, event_type: str, condition: dict[str, Any] | None,
                  happened_port: str, port_from: str, ports: list[str]) -> None:
        dry = self.dry
        dry.wait_ids += 1
        dry.waits.append(_DryWait(
            id=dry.wait_ids, kind=kind, node_id=node_id, visit=visit, wake_at=wake_at,
            created_at=self.now, port=port, event_type=event_type, condition=condition,
            happened_port=happened_port, port_from=port_from, ports=ports))

    def _waits_drop(self) -> None:
        self.dry.waits = []

    def _event_early(self, outcome: WaitForEvent) -> Event | None:
        for event in self.dry.received:
            if event.type != outcome.event_type or event.received_at < self.now:
                continue
            if not outcome.condition or self.dry.condition_holds(outcome.condition, event,
                                                                 self.now):
                return event
        return None

    def _follow(self, node_id: str, block_type: str, visit: int, outcome: Any,
                duration: int, *, holdout_port: str = "") -> None:
        self.dry.step_executed(node_id, block_type, visit, outcome)
        super()._follow(node_id, block_type, visit, outcome, duration,
                        holdout_port=holdout_port)

    def _step(self, node_id: str, visit: int, outcome: str, port: str, block_type: str = "",
              duration: int = 0, *, detail: Mapping[str, Any] | None = None,
              error: str = "") -> None:
        super()._step(node_id, visit, outcome, port, block_type, duration, detail=detail,
                      error=error)
        if outcome in ("continue", "resume"):
            self.dry.step_left(node_id, visit, port, (detail or {}).get("event_id"))


def _later(given: Mapping[str, Any]) -> list[_Later]:
    return [_Later(type=str(item["type"]), properties=dict(item.get("properties") or {}),
                   at=_datetime(item.get("at")))
            for item in given.get("later_events") or []]


def graph_compile_dry(graph: Mapping[str, Any], workflow: Any = None) -> CompiledGraph:
    """A graph that is not a stored version (a draft, a test case's) compiled as the
    engine compiles versions."""
    version = WorkflowVersion(graph=dict(graph), resolved_graph=None, settings={},
                              workflow_id=getattr(workflow, "pk", None) or 0)
    return graph_compile(version, getattr(workflow, "name", ""))


def graph_walk(graph: Mapping[str, Any], given: Mapping[str, Any], workflow: Any = None
               ) -> WalkResult:
    """Run `graph` dry for the situation `given` (see testing.py for its shape)."""
    result = WalkResult()
    now = _datetime(given.get("now")) or timezone.now()
    try:
        customer = _customer(given)
        customer = copy.copy(customer)  # update_customer changes stay in this run
        recorder = EffectRecorder(customer, now)
        result.effects = recorder.records
        segments = given.get("segments")
        ctx = DryContext(now=now, customer=customer, event=_event(given, customer, now),
                         effects=recorder, workflow_id=getattr(workflow, "pk", None),
                         workflow_name=getattr(workflow, "name", ""),
                         segments=frozenset(segments) if segments is not None else None)
        compiled = graph_compile_dry(graph, workflow)
        start = _start(given, compiled, ctx)
        if start is None:
            result.outcome = "not_triggered"
            return result
        dry = _DryRun(compiled, start, ctx, _later(given), result)
        dry.simulate()
        dry.finish()
    except _Stop as stop:
        result.outcome, result.error = stop.outcome, stop.error
    return result
