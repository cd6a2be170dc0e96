"""A dry graph walk for test cases: the blocks' own `run` functions against an in-memory
context that records effects instead of performing them. Nothing is stored or sent.

Time is driven, not waited for: a wait moves the walk's clock to its wake-up time, and
a wait for an event takes `happened` if the case lists a matching later event, else
`timeout` at the timeout. Parallel branches are walked depth first, edges in graph order.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
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
from apps.messaging.calls import call_verdict
from apps.messaging.guardrails import GuardrailFacts, customer_address, guardrails_check
from blocks.base import (
    CallResult,
    Continue,
    Exit,
    Fail,
    HttpResult,
    MessageCategory,
    MessageResult,
    OfferResult,
    ProfileChanges,
    ProfileResult,
    RenderError,
    SurveyResult,
    TaskResult,
    WaitForEvent,
    WaitUntil,
)
from blocks.registry import block_config_validate, block_find, node_version

EFFECT_TYPES = frozenset({"send_email", "send_sms", "create_task", "http_request",
                          "update_customer", "create_offer", "create_exit_survey",
                          "place_call"})
MAX_STEPS = 1_000


@dataclass
class WalkResult:
    path: list[str] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "completed"  # completed | exited | failed | not_triggered
    error: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

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
        """Applied to the walk's in-memory customer only, so later nodes see it."""
        self._record("update_customer", **changes)
        customer = self.customer
        customer.attributes = {**(customer.attributes or {}), **(changes.get("attributes") or {})}
        tags = [t for t in customer.tags or [] if t not in (changes.get("tags_remove") or [])]
        customer.tags = tags + [t for t in changes.get("tags_add") or [] if t not in tags]
        if changes.get("tier"):
            customer.tier = changes["tier"]
        return {"updated": True, "status": "dry_run"}

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
        node = condition_parse(dict(condition), root="event")
        return condition_evaluate(node, customer=self.customer, event=event or self.event,
                                  now=self.now)

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


def _config(node: Mapping[str, Any]) -> Any:
    config, errors = block_config_validate(node["type"], dict(node.get("config") or {}),
                                           node_version(node))
    if errors:
        first = errors[0]
        raise _Stop("failed", f"{node['id']}: config.{first['field']}: {first['message']}")
    return config


def _start(given: Mapping[str, Any], nodes: dict[str, Mapping[str, Any]], ctx: DryContext
           ) -> str | None:
    """The trigger the case enters by: `given.trigger`; else the first trigger.event that
    matches the event's type and condition; else, when no event is given, the first
    trigger of another kind (date, inactivity, segment, schedule, webhook, manual)."""
    triggers = [n for n in nodes.values() if _category(n) == "trigger"]
    if given.get("trigger"):
        if given["trigger"] not in {n["id"] for n in triggers}:
            raise _Stop("failed", f"given.trigger {given['trigger']!r} is not a trigger node")
        return given["trigger"]
    event = ctx.event
    for node in triggers:
        if node["type"] != "trigger.event" or event is None:
            continue
        config = _config(node)
        if config.event_type != event.type:
            continue
        if config.condition is None or _matches(ctx, config.condition):
            return node["id"]
    if event is None:
        others = [n for n in triggers if n["type"] != "trigger.event"]
        return others[0]["id"] if others else None
    return None


def _category(node: Mapping[str, Any]) -> str | None:
    spec = block_find(node.get("type", ""), node_version(node))
    return str(spec.category) if spec else None


def _matches(ctx: DryContext, condition: Mapping[str, Any], event: Event | None = None) -> bool:
    try:
        return ctx.condition_matches(condition, event)
    except ConditionError as exc:
        raise _Stop("failed", f"{ctx.node_id or 'trigger'}: condition: {exc}") from None


def graph_walk(graph: Mapping[str, Any], given: Mapping[str, Any], workflow: Any = None
               ) -> WalkResult:
    """Walk `graph` for the situation `given` (see testing.py for its shape)."""
    result = WalkResult()
    now = _datetime(given.get("now")) or timezone.now()
    try:
        customer = _customer(given)
        customer = copy.copy(customer)  # update_customer changes stay in this walk
        recorder = EffectRecorder(customer, now)
        result.effects = recorder.records
        segments = given.get("segments")
        ctx = DryContext(now=now, customer=customer, event=_event(given, customer, now),
                         effects=recorder, workflow_id=getattr(workflow, "pk", None),
                         workflow_name=getattr(workflow, "name", ""),
                         segments=frozenset(segments) if segments is not None else None)
        nodes = {n["id"]: n for n in graph.get("nodes") or []}
        start = _start(given, nodes, ctx)
        if start is None:
            result.outcome = "not_triggered"
            return result
        _walk(start, nodes, graph.get("edges") or [], ctx, list(given.get("later_events") or []),
              result)
    except _Stop as stop:
        result.outcome, result.error = stop.outcome, stop.error
    return result


def _walk(start: str, nodes: dict[str, Mapping[str, Any]], edges: list[Mapping[str, Any]],
          ctx: DryContext, later_events: list[Mapping[str, Any]], result: WalkResult) -> None:
    targets: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        targets.setdefault((edge["source"], edge.get("source_port", "out")), []) \
            .append(edge["target"])
    stack = [start]
    while stack:
        if len(result.path) >= MAX_STEPS:
            raise _Stop("failed", f"stopped after {MAX_STEPS} steps (a loop?)")
        node_id = stack.pop()
        node = nodes.get(node_id)
        if node is None:
            raise _Stop("failed", f"an edge leads to {node_id!r}, which is not in the graph")
        spec = block_find(node["type"], node_version(node))
        if spec is None:
            raise _Stop("failed", f"{node_id}: unknown block type {node['type']!r} "
                        f"version {node_version(node)}")
        config = _config(node)
        ctx.node_id = ctx.effects.node_id = node_id
        result.path.append(node_id)
        try:
            outcome = spec.run(ctx, config)
        except Exception as exc:  # a crashing block fails the case, visibly
            raise _Stop("failed", f"{node_id}: {type(exc).__name__}: {exc}") from exc
        port, detail = _follow(outcome, node_id, ctx, later_events)
        step = {"node": node_id, "type": node["type"], "outcome": type(outcome).__name__,
                "port": port, "detail": detail}
        verdict = ctx.effects.verdicts.pop(node_id, None)
        if verdict is not None:
            step["message"] = verdict
        result.steps.append(step)
        if isinstance(outcome, Exit):
            raise _Stop("exited", None)
        if isinstance(outcome, Fail):
            raise _Stop("failed", f"{node_id}: {outcome.error}")
        stack.extend(reversed(targets.get((node_id, port or ""), [])))


def _follow(outcome: Any, node_id: str, ctx: DryContext,
            later_events: list[Mapping[str, Any]]) -> tuple[str | None, str]:
    """The port the walk leaves by, and a line for the step list."""
    if isinstance(outcome, Continue):
        ctx.variables[node_id] = dict(outcome.output)
        return outcome.port, ""
    if isinstance(outcome, WaitUntil):
        ctx.now = max(ctx.now, outcome.at)
        return outcome.port, f"waited until {outcome.at.isoformat()}"
    if isinstance(outcome, WaitForEvent):
        for index, later in enumerate(later_events):
            if later["type"] != outcome.event_type:
                continue
            event = Event(customer=ctx.customer, type=later["type"],
                          properties=later.get("properties") or {}, occurred_at=ctx.now,
                          received_at=ctx.now)
            if outcome.condition and not _matches(ctx, outcome.condition, event):
                continue
            later_events.pop(index)
            ctx.variables[node_id] = {"event": {"type": event.type,
                                                "properties": event.properties}}
            return outcome.port_for(event.properties), f"{outcome.event_type} happened"
        ctx.now = max(ctx.now, outcome.timeout_at)
        return outcome.timeout_port, f"no {outcome.event_type} until " \
                                     f"{outcome.timeout_at.isoformat()}"
    if isinstance(outcome, Exit):
        return None, outcome.reason
    if isinstance(outcome, Fail):
        return None, outcome.error
    raise _Stop("failed", f"{node_id}: unknown outcome {outcome!r}")
