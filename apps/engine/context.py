"""What a block sees while the engine runs it (blocks.base.RunContext), and the effects
it may cause (blocks.base.Effects) done through the apps' services.

Effects that only write rows (messages, tasks, offers, profile changes) happen inside the
step's transaction, keyed by (run, node, visit): the step and its effect commit together
or not at all, and the services refuse a second effect with the same key. An HTTP call
cannot be rolled back, so it happens between transactions: the first attempt raises
`HttpNeeded`, the interpreter makes the call, stores the result as an EffectRecord and
runs the node again, which then reads the stored result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, cast

from django.db import transaction

from apps.common.templating import (
    TemplateContext,
    TemplateError,
    plain,
    template_context_for,
    template_render,
)
from apps.customers.conditions.evaluate import condition_evaluate
from apps.customers.conditions.nodes import Node as ConditionNode
from apps.customers.conditions.schema import condition_parse
from apps.customers.models import Customer, Event
from apps.engine.models import EffectRecord, Run
from blocks.base import (
    CallResult,
    HttpResult,
    MessageCategory,
    MessageResult,
    OfferResult,
    ProfileChanges,
    ProfileResult,
    RenderError,
    SurveyResult,
    TaskResult,
)

if TYPE_CHECKING:
    from apps.engine.scope import Scope


class HttpNeeded(Exception):
    """The node needs an HTTP call made outside the transaction before it can finish."""

    def __init__(self, request: Mapping[str, Any]) -> None:
        super().__init__("http request pending")
        self.request = dict(request)


def idempotency_key(run_id: int, node_id: str, visit: int) -> str:
    return f"run:{run_id}:{node_id}:{visit}"


@lru_cache(maxsize=1024)
def _condition(canonical: str) -> ConditionNode:
    import json

    return condition_parse(json.loads(canonical), root="event")


def condition_node(condition: Mapping[str, Any]) -> ConditionNode:
    """Parsed once per process per distinct condition."""
    import json

    return _condition(json.dumps(condition, sort_keys=True, separators=(",", ":")))


class EngineEffects:
    """blocks.base.Effects over the messaging, tasks, offers, surveys, integrations and
    customers services. `node_id` and `visit` are set by the interpreter before each node."""

    def __init__(self, run: Run, customer: Customer, now: datetime, scope: Scope) -> None:
        self.run = run
        self.customer = customer
        self.now = now
        self.scope = scope
        self.node_id = ""
        self.visit = 1
        self.profile_changes = 0  # update_customer calls so far (template caching)

    def _keys(self) -> dict[str, Any]:
        return {"idempotency_key": idempotency_key(self.run.pk, self.node_id, self.visit),
                "run_id": self.run.pk, "workflow_id": self.run.workflow_id,
                "node_id": self.node_id}

    def send_email(self, *, subject: str, body: str, format: Literal["html", "text"] = "html",
                   from_name: str | None = None, reply_to: str | None = None,
                   category: MessageCategory = "marketing",
                   variant: str = "default") -> MessageResult:
        options = {"format": format, "from_name": from_name, "reply_to": reply_to,
                   "variant": variant}
        return cast(MessageResult, self._message(channel="email", subject=subject, body=body,
                                                 category=category, options=options))

    def send_sms(self, *, body: str, category: MessageCategory = "marketing",
                 variant: str = "default") -> MessageResult:
        return cast(MessageResult, self._message(channel="sms", body=body, category=category,
                                                 options={"variant": variant}))

    def place_call(self, *, mode: Literal["bridge", "message"], agent_number: str, text: str,
                   menu: str, category: MessageCategory, queue: str) -> CallResult:
        """A call is a message on the `call` channel: the same outbox, key and guardrails,
        plus its queue's business hours (apps/messaging/calls.py)."""
        options = {"mode": mode, "agent_number": agent_number, "menu": menu, "queue": queue}
        result = dict(self._message(channel="call", body=text, category=category,
                                    options=options))
        result["call_id"] = result.pop("message_id")  # what call.completed names it by
        return cast(CallResult, result)

    def _message(self, *, channel: Literal["email", "sms", "call"], body: str,
                 category: MessageCategory, options: Mapping[str, Any],
                 subject: str = "") -> Mapping[str, Any]:
        """Into the batch's outbox, or written at once when the run is on its own."""
        if self.scope.messages is not None:
            return self.scope.messages.queue(customer=self.customer, channel=channel,
                                             subject=subject, body=body, category=category,
                                             options=options, **self._keys())
        from apps.messaging.services import message_queue

        return message_queue(customer=self.customer, now=self.now, channel=channel,
                             subject=subject, body=body, category=category, options=options,
                             **self._keys())

    def create_task(self, *, kind: str, queue: str, title: str, notes: str,
                    due_at: datetime, business_hours: bool, priority: str) -> TaskResult:
        if self.scope.tasks is not None:
            return cast(TaskResult, self.scope.tasks.create(
                customer=self.customer, kind=kind, queue=queue, title=title, notes=notes,
                due_at=due_at, business_hours=business_hours, priority=priority,
                **self._keys()))
        from apps.tasks.services import task_create

        return cast(TaskResult, task_create(
            customer=self.customer, now=self.now, kind=kind, queue=queue, title=title,
            notes=notes, due_at=due_at, business_hours=business_hours, priority=priority,
            **self._keys()))

    def create_offer(self, *, code_pattern: str, kind: str, value: Decimal,
                     currency: str | None, expires_at: datetime | None,
                     link_target_url: str | None, page_headline: str = "",
                     page_text: str = "") -> OfferResult:
        from apps.offers.services import offer_create

        return cast(OfferResult, offer_create(
            customer=self.customer, now=self.now, code_pattern=code_pattern, kind=kind,
            value=value, currency=currency, expires_at=expires_at,
            link_target_url=link_target_url, page_headline=page_headline,
            page_text=page_text, **self._keys()))

    def create_exit_survey(self, *, channel: Literal["email", "sms"], reason_codes: list[str],
                           expires_at: datetime, question: str = "",
                           intro: str = "") -> SurveyResult:
        from apps.surveys.services import exit_survey_create

        return cast(SurveyResult, exit_survey_create(
            customer=self.customer, now=self.now, channel=channel, reason_codes=reason_codes,
            expires_at=expires_at, question=question, intro=intro, **self._keys()))

    def http_request(self, *, method: str, url: str, headers: Mapping[str, str],
                     json: Any, credential_id: int | None,
                     timeout_seconds: int) -> HttpResult:
        record = EffectRecord.objects.filter(run=self.run, node_id=self.node_id,
                                             visit=self.visit).first()
        if record is not None:
            return cast(HttpResult, record.result)
        raise HttpNeeded({"method": method, "url": url, "headers": headers, "json": json,
                          "credential_id": credential_id, "timeout_seconds": timeout_seconds})

    def update_customer(self, changes: ProfileChanges) -> ProfileResult:
        """Profile writes of a run (`profile_changes_apply`), saved in the step's
        transaction; segment membership follows after commit like any other profile
        change."""
        from apps.customers.services import customers_changed

        customer = self.customer
        fields, result = profile_changes_apply(customer, changes)
        self.profile_changes += 1
        customer.save(update_fields=fields)
        customer_id = customer.pk
        transaction.on_commit(lambda: customers_changed([customer_id]))
        return result


def profile_changes_apply(customer: Customer, changes: ProfileChanges
                          ) -> tuple[list[str], ProfileResult]:
    """Apply a run's profile changes (blocks.base.Effects.update_customer) to the customer
    in memory: attributes (None removes), tags added and removed, the tier. Returns the
    fields to save and the result the block sees. Live runs save it; dry runs keep it in
    their copy of the customer, so both see the same profile afterwards."""
    attributes = dict(customer.attributes or {})
    for name, value in (changes.get("attributes") or {}).items():
        if value is None:
            attributes.pop(name, None)
        else:
            attributes[name] = value
    remove = set(changes.get("tags_remove") or [])
    tags = [tag for tag in customer.tags or [] if tag not in remove]
    tags += [tag for tag in changes.get("tags_add") or [] if tag not in tags]
    customer.attributes, customer.tags = attributes, tags
    fields = ["attributes", "tags", "updated_at"]
    tier = changes.get("tier")
    if tier:
        customer.tier = tier
        fields.append("tier")
    return fields, {"updated": True, "attributes": sorted(changes.get("attributes") or {}),
                    "tags": tags, "tier": customer.tier}


def http_effect_store(run_id: int, node_id: str, visit: int, result: Mapping[str, Any]) -> None:
    """Keep an HTTP call's result for the node's next execution (first result wins)."""
    EffectRecord.objects.get_or_create(run_id=run_id, node_id=node_id, visit=visit,
                                       defaults={"kind": "http_request", "result": dict(result)})


@dataclass
class EngineContext:
    """blocks.base.RunContext for one node of a stored run."""

    now: datetime
    customer: Customer
    event: Event | None
    run_id: int
    workflow_id: int
    workflow_name: str
    effects: EngineEffects
    scope: Scope  # the batch's shared reads
    variables: dict[str, Any] = field(default_factory=dict)
    node_id: str = ""
    _template_context: tuple[Any, dict[str, Any]] | None = field(default=None, repr=False)

    def _latest(self, name: str) -> Mapping[str, Any] | None:
        """The newest output of an earlier node carrying `name` (offer, survey)."""
        found = [v[name] for v in self.variables.values()
                 if isinstance(v, Mapping) and isinstance(v.get(name), Mapping)]
        return found[-1] if found else None

    def render(self, template: str, *, html: bool = False,
               extra: Mapping[str, Any] | None = None) -> str:
        offer, survey = self._latest("offer"), self._latest("survey")
        # Built once per pass unless the profile (update_customer), offer or survey changed.
        # Counted, not read from updated_at: two writes can share a clock tick.
        key = (self.effects.profile_changes, repr(offer), repr(survey))
        if self._template_context is None or self._template_context[0] != key:
            self._template_context = (key, template_context_for(
                self.customer, self.event,
                run={"id": self.run_id, "workflow_name": self.workflow_name}, offer=offer,
                survey=survey))
        context = self._template_context[1]
        if extra:
            context = TemplateContext({**context, **{k: plain(v) for k, v in extra.items()}})
        try:
            return template_render(template, context, html=html)
        except TemplateError as err:
            raise RenderError(err.message, code=err.code, line=err.line,
                              column=err.column) from err

    def condition_matches(self, condition: Mapping[str, Any]) -> bool:
        return condition_evaluate(condition_node(condition), customer=self.customer,
                                  event=self.event, now=self.now)

    def in_segment(self, segment_id: int) -> bool:
        return self.scope.in_segment(segment_id, self.customer.pk)
