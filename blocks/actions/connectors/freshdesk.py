"""action.freshdesk_ticket: open a Freshdesk ticket for the customer, or change the status
or priority of one.

Freshdesk API v2 (https://developers.freshdesk.com/api/#create_ticket,
https://developers.freshdesk.com/api/#update_ticket):
- create: POST https://{domain}.freshdesk.com/api/v2/tickets
  {"subject", "description" (HTML), "email", "name"?, "priority" (1 low, 2 medium,
  3 high, 4 urgent), "status" (2 open), "tags"?} → 201 {"id", ...}
- update: PUT https://{domain}.freshdesk.com/api/v2/tickets/{id}
  {"priority"?, "status"? (2 open, 3 pending, 4 resolved, 5 closed)} → 200 {"id", ...}
Authentication: a basic credential, user name = the API key, secret `X` (Freshdesk's
documented convention)."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.connectors.common import (
    FRESHDESK,
    GROUP,
    AccountName,
    Credential,
    PathValueError,
    credential_field,
    path_value,
    render_all,
    vendor_call,
    vendor_origin,
)
from blocks.base import BlockConfig, BlockSpec, Category, ConfigFieldError, Outcome, RunContext
from blocks.fields import LiquidLine, LiquidText, shown_when
from blocks.rendering import FieldRenderError

Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^,]+$")]
_CREATE = shown_when(operation=("create",))
_UPDATE = shown_when(operation=("update",))
PRIORITIES = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
STATUSES = {"open": 2, "pending": 3, "resolved": 4, "closed": 5}


class FreshdeskTicketConfig(BlockConfig):
    domain: AccountName = Field(
        title="Freshdesk domain", description="acme for acme.freshdesk.com.")
    credential_id: Credential = credential_field(
        "basic, user name = your API key, secret X.")
    operation: Literal["create", "update"] = Field(
        "create", title="What to do",
        json_schema_extra={"x-enum-labels": {"create": "Open a new ticket",
                                             "update": "Update a ticket"}})
    ticket_id: LiquidLine | None = Field(
        None, max_length=200, title="Ticket number",
        examples=["{{ event.properties.ticket_id }}"], json_schema_extra=_UPDATE)
    subject: LiquidLine | None = Field(
        None, max_length=300, title="Subject",
        examples=["Call-back wanted: {{ customer.name }}"], json_schema_extra=_CREATE)
    description: LiquidText | None = Field(
        None, max_length=20_000, title="Description", json_schema_extra=_CREATE,
        examples=["{{ customer.name }} rated us {{ event.properties.score }}."])
    requester_email: LiquidLine = Field(
        "{{ customer.email }}", max_length=300, title="Requester e-mail",
        json_schema_extra=_CREATE)
    requester_name: LiquidLine = Field(
        "{{ customer.name }}", max_length=300, title="Requester name",
        json_schema_extra=_CREATE)
    priority: Literal["", "low", "medium", "high", "urgent"] = Field(
        "", title="Priority", description="A new ticket without one is Low.",
        json_schema_extra={"x-enum-labels": {"": "Leave as it is", "low": "Low",
                                             "medium": "Medium", "high": "High",
                                             "urgent": "Urgent"}})
    status: Literal["", "open", "pending", "resolved", "closed"] = Field(
        "", title="Status",
        json_schema_extra={**_UPDATE, "x-enum-labels": {
            "": "Leave as it is", "open": "Open", "pending": "Pending",
            "resolved": "Resolved", "closed": "Closed"}})
    tags: list[Tag] = Field(default_factory=list, max_length=20, title="Tags",
                            json_schema_extra=_CREATE)

    @model_validator(mode="after")
    def _operation_fields(self) -> FreshdeskTicketConfig:
        if self.operation == "create":
            for name in ("subject", "description"):
                if not getattr(self, name):
                    raise ConfigFieldError(name, "required", _("a new ticket needs this"))
        elif not self.ticket_id:
            raise ConfigFieldError("ticket_id", "required", _("say which ticket to update"))
        elif not (self.priority or self.status):
            raise ConfigFieldError("status", "required", _("change the status or priority"))
        return self

    @property
    def method(self) -> str:
        return "POST" if self.operation == "create" else "PUT"

    @property
    def url(self) -> str:
        base = f"{vendor_origin(FRESHDESK, self.domain)}/api/v2/tickets"
        return base if self.operation == "create" else f"{base}/{self.ticket_id}"


def ticket_payload(config: FreshdeskTicketConfig, text: dict[str, str]) -> dict[str, Any]:
    ticket: dict[str, Any] = {}
    if config.operation == "create":
        ticket = {"subject": text.get("subject", ""),
                  # Freshdesk reads the description as HTML: keep the customer's words text.
                  "description": escape(text.get("description", "")).replace("\n", "<br>"),
                  "email": text.get("requester_email", ""),
                  "priority": PRIORITIES[config.priority or "low"],
                  "status": STATUSES["open"]}
        if "requester_name" in text:
            ticket["name"] = text["requester_name"]
        if config.tags:
            ticket["tags"] = list(config.tags)
        return ticket
    if config.priority:
        ticket["priority"] = PRIORITIES[config.priority]
    if config.status:
        ticket["status"] = STATUSES[config.status]
    return ticket


def run(ctx: RunContext, config: FreshdeskTicketConfig) -> Outcome:
    creating = config.operation == "create"
    try:
        text = render_all(ctx, {
            "ticket_id": config.ticket_id, "subject": config.subject,
            "description": config.description,
            "requester_email": config.requester_email if creating else "",
            "requester_name": config.requester_name if creating else "",
        })
        url = f"{vendor_origin(FRESHDESK, config.domain)}/api/v2/tickets"
        if not creating:
            url += "/" + path_value(text, "ticket_id", digits=True)
    except (FieldRenderError, PathValueError) as err:
        return err.fail()
    return vendor_call(ctx, FRESHDESK, method=config.method, url=url,
                       payload=ticket_payload(config, text),
                       credential_id=config.credential_id,
                       id_of=lambda body: (body or {}).get("id"))


SPEC = BlockSpec(
    type="action.freshdesk_ticket",
    version=1,
    category=Category.ACTION,
    label="Freshdesk ticket",
    description="Opens a Freshdesk ticket for the customer, or changes one's status.",
    icon="inbox",
    config_model=FreshdeskTicketConfig,
    ports=("out",),
    run=run,
    template_fields=("ticket_id", "subject", "description", "requester_email",
                     "requester_name"),
    group=GROUP,
    example={"domain": "acme", "credential_id": 1, "operation": "create",
             "subject": "Call-back wanted: {{ customer.name }}",
             "description": "{{ customer.name }} gave negative feedback.",
             "priority": "high"},
)
