"""action.call: an automated outbound call (Twilio Voice). When the customer answers, the
call bridges them to an agent number, or says a message with an optional one-key menu.

Placing the call goes through messaging (`ctx.effects.place_call`): a call is a message
on the `call` channel, keyed by (run, node, visit) so a replayed step never dials twice,
checked against the `call` consent, caps and quiet hours, and held back to the queue's
business hours. The block then waits for the call's own call.completed event (matched by
its call id), whose `status` picks the port: answered, no_answer, busy, failed or
voicemail; `timeout` when no outcome came. A call the guardrails stop is never placed:
the run goes on by `not_called` with the reason (no consent, cap reached, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.create_task import QueueName
from blocks.actions.send_email import CATEGORY_LABELS
from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    MessageCategory,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
    WaitForEvent,
)
from blocks.fields import Duration, LiquidText, duration_parse, matching, shown_when
from blocks.rendering import FieldRenderError, render_field

OUTCOME_PORTS = ("answered", "no_answer", "busy", "failed", "voicemail")
NOT_CALLED = "not_called"
PORTS = (*OUTCOME_PORTS, NOT_CALLED, "timeout")
EVENT_TYPE = "call.completed"

PhoneNumber = Annotated[str, *matching(r"^\+[1-9][0-9]{6,14}$",
                                       "a phone number in international format, e.g. "
                                       "+4930123456")]


class CallConfig(BlockConfig):
    mode: Literal["bridge", "message"] = Field(
        "bridge", title="When the customer answers",
        json_schema_extra={"x-enum-labels": {"bridge": "Connect them to an agent",
                                             "message": "Play a message"}},
    )
    agent_number: PhoneNumber | None = Field(
        None, title="Agent phone number",
        description="The number of the agent or team that takes the call.",
        json_schema_extra=shown_when(mode=("bridge",)),
    )
    text: LiquidText = Field(
        "", max_length=2000, title="Spoken text",
        description="Read out in the customer's language when they answer. Before "
                    "connecting to an agent it is optional.",
        examples=["Hello {{ customer.first_name }}, this is your shop calling about your "
                  "last order."],
    )
    menu: LiquidText = Field(
        "", max_length=500, title="Key menu",
        description="Optional: a short prompt like 'Press 1 to talk to us'. The key "
                    "pressed becomes the event call.key_pressed.",
        json_schema_extra=shown_when(mode=("message",)),
    )
    queue: QueueName = Field(
        "retention", title="Queue",
        description="The call is placed only within this queue's business hours.",
    )
    category: MessageCategory = Field(
        "marketing", title="Category", json_schema_extra=CATEGORY_LABELS,
        description="Marketing calls need the customer's consent to calls; service "
                    "calls are stopped only by an explicit no.",
    )
    timeout: Duration = Field(
        "2h", title="Wait for the outcome",
        description="After this long without an outcome the run goes on by timeout.",
    )

    @model_validator(mode="after")
    def _mode_fields(self) -> CallConfig:
        if self.mode == "bridge" and not self.agent_number:
            raise ConfigFieldError("agent_number", "required",
                                   _("connecting to an agent needs the agent's number"))
        if self.mode == "message" and not self.text.strip():
            raise ConfigFieldError("text", "required", _("a message call needs the text to say"))
        return self


def run(ctx: RunContext, config: CallConfig) -> Outcome:
    try:
        text = render_field(ctx, "text", config.text) if config.text else ""
        menu = render_field(ctx, "menu", config.menu) if config.menu else ""
    except FieldRenderError as err:
        return err.fail()
    result = ctx.effects.place_call(
        mode=config.mode, agent_number=config.agent_number or "", text=text.strip(),
        menu=menu.strip() if config.mode == "message" else "", category=config.category,
        queue=config.queue,
    )
    if result.get("status") in ("suppressed", "failed"):
        return Continue(NOT_CALLED, output={"call": dict(result),
                                            "reason": result.get("reason")
                                            or result.get("error")})
    call_id = result.get("call_id")
    scheduled = _moment(result.get("scheduled_at")) or ctx.now
    return WaitForEvent(
        event_type=EVENT_TYPE,
        timeout_at=max(scheduled, ctx.now) + duration_parse(config.timeout),
        # Only this call's outcome (a dry run has no id: any call.completed it is given).
        condition={"all": [{"field": "event.properties.call_id", "op": "eq",
                            "value": call_id}]} if call_id is not None else None,
        happened_port="failed", port_from="status", ports=(*OUTCOME_PORTS, NOT_CALLED),
    )


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


SPEC = BlockSpec(
    type="action.call",
    version=1,
    category=Category.ACTION,
    label="Call customer",
    description="Phones the customer automatically and connects them to an agent or plays "
                "a message.",
    icon="phone-outgoing",
    config_model=CallConfig,
    ports=PORTS,
    run=run,
    template_fields=("text", "menu"),
    group="Contact center",
    example={"mode": "bridge", "agent_number": "+4930123456",
             "text": "Hello {{ customer.first_name | default: 'there' }}, one moment please, "
                     "we connect you to our team.",
             "queue": "retention", "category": "transactional", "timeout": "2h"},
    summary=(
        SummaryLine("{text}", when=(SummaryWhen("mode", "eq", "message"),)),
        SummaryLine("With a key menu",
                    when=(SummaryWhen("mode", "eq", "message"), SummaryWhen("menu"))),
        SummaryLine("Connects to {agent_number}", when=(SummaryWhen("mode", "ne", "message"),)),
    ),
)
