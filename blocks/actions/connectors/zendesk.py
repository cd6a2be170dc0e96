"""action.zendesk_ticket: open a Zendesk ticket for the customer, or add a comment to
one and change its status or priority.

Zendesk Ticketing API (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/):
- create: POST https://{subdomain}.zendesk.com/api/v2/tickets
  {"ticket": {"subject", "comment": {"body"}, "requester": {"name", "email"},
  "priority"?, "tags"?}} → 201 {"ticket": {"id", ...}}
- update: PUT https://{subdomain}.zendesk.com/api/v2/tickets/{id}
  {"ticket": {"comment": {"body", "public"}?, "status"?, "priority"?}} → 200
Authentication: a basic credential, user name `agent@example.com/token`, secret the API
token (or a bearer OAuth token)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.connectors.common import (
    GROUP,
    ZENDESK,
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

Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s,]+$")]
_CREATE = shown_when(operation=("create",))
_UPDATE = shown_when(operation=("update",))


class ZendeskTicketConfig(BlockConfig):
    subdomain: AccountName = Field(
        title="Zendesk subdomain", description="acme for acme.zendesk.com.")
    credential_id: Credential = credential_field(
        "basic, user name agent@example.com/token and the API token as secret.")
    operation: Literal["create", "update"] = Field(
        "create", title="What to do",
        json_schema_extra={"x-enum-labels": {"create": "Open a new ticket",
                                             "update": "Update a ticket"}})
    ticket_id: LiquidLine | None = Field(
        None, max_length=200, title="Ticket number",
        description="The ticket to update, e.g. from an earlier step or the event.",
        examples=["{{ event.properties.ticket_id }}"], json_schema_extra=_UPDATE)
    subject: LiquidLine | None = Field(
        None, max_length=300, title="Subject",
        examples=["Call-back wanted: {{ customer.name }}"], json_schema_extra=_CREATE)
    description: LiquidText | None = Field(
        None, max_length=20_000, title="Description",
        description="The first message of a new ticket; for an update, the comment added.",
        examples=["{{ customer.name }} rated us {{ event.properties.score }}."])
    public: bool = Field(
        False, title="Comment visible to the customer",
        description="Off: an internal note only agents see.", json_schema_extra=_UPDATE)
    requester_email: LiquidLine = Field(
        "{{ customer.email }}", max_length=300, title="Requester e-mail",
        json_schema_extra=_CREATE)
    requester_name: LiquidLine = Field(
        "{{ customer.name }}", max_length=300, title="Requester name",
        json_schema_extra=_CREATE)
    priority: Literal["", "low", "normal", "high", "urgent"] = Field(
        "", title="Priority",
        json_schema_extra={"x-enum-labels": {"": "Leave as it is", "low": "Low",
                                             "normal": "Normal", "high": "High",
                                             "urgent": "Urgent"}})
    status: Literal["", "open", "pending", "hold", "solved"] = Field(
        "", title="Status",
        json_schema_extra={**_UPDATE, "x-enum-labels": {
            "": "Leave as it is", "open": "Open", "pending": "Pending", "hold": "On hold",
            "solved": "Solved"}})
    tags: list[Tag] = Field(default_factory=list, max_length=20, title="Tags",
                            json_schema_extra=_CREATE)

    @model_validator(mode="after")
    def _operation_fields(self) -> ZendeskTicketConfig:
        if self.operation == "create":
            for name in ("subject", "description"):
                if not getattr(self, name):
                    raise ConfigFieldError(name, "required", _("a new ticket needs this"))
        elif not self.ticket_id:
            raise ConfigFieldError("ticket_id", "required", _("say which ticket to update"))
        elif not (self.description or self.priority or self.status):
            raise ConfigFieldError("description", "required",
                                   _("add a comment or change the status or priority"))
        return self

    @property
    def method(self) -> str:
        return "POST" if self.operation == "create" else "PUT"

    @property
    def url(self) -> str:
        base = f"{vendor_origin(ZENDESK, self.subdomain)}/api/v2/tickets"
        return base if self.operation == "create" else f"{base}/{self.ticket_id}"


def ticket_payload(config: ZendeskTicketConfig, text: dict[str, str]) -> dict[str, Any]:
    ticket: dict[str, Any] = {}
    if config.operation == "create":
        ticket["subject"] = text.get("subject", "")
        ticket["comment"] = {"body": text.get("description", "")}
        requester = {key: text[f"requester_{key}"] for key in ("name", "email")
                     if f"requester_{key}" in text}
        if requester:
            ticket["requester"] = requester
        if config.tags:
            ticket["tags"] = list(config.tags)
    else:
        if "description" in text:
            ticket["comment"] = {"body": text["description"], "public": config.public}
        if config.status:
            ticket["status"] = config.status
    if config.priority:
        ticket["priority"] = config.priority
    return {"ticket": ticket}


def run(ctx: RunContext, config: ZendeskTicketConfig) -> Outcome:
    try:
        text = render_all(ctx, {
            "ticket_id": config.ticket_id, "subject": config.subject,
            "description": config.description,
            "requester_email": config.requester_email if config.operation == "create" else "",
            "requester_name": config.requester_name if config.operation == "create" else "",
        })
        url = f"{vendor_origin(ZENDESK, config.subdomain)}/api/v2/tickets"
        if config.operation == "update":
            url += "/" + path_value(text, "ticket_id", digits=True)
    except (FieldRenderError, PathValueError) as err:
        return err.fail()
    return vendor_call(ctx, ZENDESK, method=config.method, url=url,
                       payload=ticket_payload(config, text),
                       credential_id=config.credential_id,
                       id_of=lambda body: ((body or {}).get("ticket") or {}).get("id"))


SPEC = BlockSpec(
    type="action.zendesk_ticket",
    version=1,
    category=Category.ACTION,
    label="Zendesk ticket",
    description="Opens a Zendesk ticket for the customer, or adds a note to one.",
    icon="life-buoy",
    config_model=ZendeskTicketConfig,
    ports=("out",),
    run=run,
    template_fields=("ticket_id", "subject", "description", "requester_email",
                     "requester_name"),
    group=GROUP,
    example={"subdomain": "acme", "credential_id": 1, "operation": "create",
             "subject": "Call-back wanted: {{ customer.name }}",
             "description": "{{ customer.name }} gave negative feedback.",
             "priority": "high"},
)
