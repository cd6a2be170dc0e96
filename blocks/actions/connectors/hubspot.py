"""action.hubspot: create a deal or a task in HubSpot, or update a contact.

HubSpot CRM API v3 objects (https://developers.hubspot.com/docs/api/crm/deals,
https://developers.hubspot.com/docs/api/crm/tasks,
https://developers.hubspot.com/docs/api/crm/contacts):
- deal: POST https://api.hubapi.com/crm/v3/objects/deals {"properties": {"dealname",
  "pipeline", "dealstage", "amount"?, ...}, "associations"?: [{"to": {"id"}, "types":
  [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]} → 201 {"id"}
- task: POST /crm/v3/objects/tasks {"properties": {"hs_timestamp", "hs_task_subject",
  "hs_task_body", "hs_task_status": "NOT_STARTED", "hs_task_priority"}, "associations"?:
  [... "associationTypeId": 204 (task → contact)]} → 201 {"id"}
- contact: PATCH /crm/v3/objects/contacts/{id} (or /{email}?idProperty=email)
  {"properties": {...}} → 200 {"id"}
Errors: {"status": "error", "message", "category"}. Authentication: a bearer credential
with a private app's access token."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.connectors.common import (
    GROUP,
    HUBSPOT,
    MAX_FIELDS,
    Credential,
    FieldName,
    PathValueError,
    credential_field,
    render_all,
    vendor_call,
    vendor_origin,
)
from blocks.base import BlockConfig, BlockSpec, Category, ConfigFieldError, Outcome, RunContext
from blocks.fields import Duration, LiquidLine, LiquidText, duration_parse, shown_when
from blocks.rendering import FieldRenderError

_DEAL = shown_when(operation=("create_deal",))
_TASK = shown_when(operation=("create_task",))
_CREATE = shown_when(operation=("create_deal", "create_task"))
DEAL_TO_CONTACT, TASK_TO_CONTACT = 3, 204  # HubSpot-defined association types
_PATHS = {"create_deal": "deals", "create_task": "tasks", "update_contact": "contacts"}


class HubspotConfig(BlockConfig):
    credential_id: Credential = credential_field("bearer, a HubSpot private app's access token.")
    operation: Literal["create_deal", "create_task", "update_contact"] = Field(
        "create_deal", title="What to do",
        json_schema_extra={"x-enum-labels": {"create_deal": "Create a deal",
                                             "create_task": "Create a task",
                                             "update_contact": "Update a contact"}})
    title: LiquidLine | None = Field(
        None, max_length=300, title="Name", description="The deal's name or the task's subject.",
        examples=["Upgrade offer: {{ customer.name }}"], json_schema_extra=_CREATE)
    notes: LiquidText | None = Field(None, max_length=20_000, title="Notes",
                                     json_schema_extra=_TASK)
    amount: LiquidLine | None = Field(None, max_length=100, title="Amount",
                                      examples=["{{ customer.clv }}"], json_schema_extra=_DEAL)
    pipeline: str = Field("default", min_length=1, max_length=100, title="Pipeline",
                          json_schema_extra=_DEAL)
    deal_stage: str = Field("appointmentscheduled", min_length=1, max_length=100,
                            title="Deal stage", description="The stage's internal name.",
                            json_schema_extra=_DEAL)
    due_in: Duration = Field("1d", title="Due in", json_schema_extra=_TASK)
    priority: Literal["LOW", "MEDIUM", "HIGH"] = Field(
        "MEDIUM", title="Priority", json_schema_extra={
            **_TASK, "x-enum-labels": {"LOW": "Low", "MEDIUM": "Medium", "HIGH": "High"}})
    contact: LiquidLine | None = Field(
        None, max_length=300, title="Contact",
        description="The HubSpot contact's record id or e-mail address. A new deal or task "
                    "is linked to it when it is a record id.",
        examples=["{{ customer.email }}", "{{ customer.attributes.hubspot_id }}"])
    properties: dict[FieldName, LiquidLine] = Field(
        default_factory=dict, max_length=MAX_FIELDS, title="Properties",
        description="Property name → value, e.g. lifecyclestage → opportunity.")

    @model_validator(mode="after")
    def _operation_fields(self) -> HubspotConfig:
        if self.operation == "update_contact":
            if not self.contact:
                raise ConfigFieldError("contact", "required", _("say which contact to update"))
            if not self.properties:
                raise ConfigFieldError("properties", "required", _("set at least one property"))
        elif not self.title:
            raise ConfigFieldError("title", "required", _("give it a name"))
        return self

    @property
    def method(self) -> str:
        return "PATCH" if self.operation == "update_contact" else "POST"

    @property
    def url(self) -> str:
        return f"{vendor_origin(HUBSPOT)}/crm/v3/objects/{_PATHS[self.operation]}"


def hubspot_request(config: HubspotConfig, text: dict[str, str], now: Any
                    ) -> tuple[str, dict[str, Any]]:
    """(URL, payload) for the operation from the rendered fields."""
    url = config.url
    extra = {name[len("properties."):]: value for name, value in text.items()
             if name.startswith("properties.")}
    contact = text.get("contact", "")
    if config.operation == "update_contact":
        if not contact:
            raise PathValueError("contact: empty")
        url += "/" + quote(contact, safe="@")
        if "@" in contact:
            url += "?idProperty=email"
        return url, {"properties": extra}
    if config.operation == "create_deal":
        properties = {"dealname": text.get("title", ""), "pipeline": config.pipeline,
                      "dealstage": config.deal_stage}
        if "amount" in text:
            properties["amount"] = text["amount"]
        link = DEAL_TO_CONTACT
    else:
        due = now + duration_parse(config.due_in)
        properties = {"hs_timestamp": due.isoformat(timespec="milliseconds"),
                      "hs_task_subject": text.get("title", ""),
                      "hs_task_status": "NOT_STARTED", "hs_task_priority": config.priority}
        if "notes" in text:
            properties["hs_task_body"] = text["notes"]
        link = TASK_TO_CONTACT
    payload: dict[str, Any] = {"properties": {**properties, **extra}}
    if contact.isdigit():
        payload["associations"] = [{"to": {"id": contact}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": link}]}]
    return url, payload


def run(ctx: RunContext, config: HubspotConfig) -> Outcome:
    try:
        text = render_all(ctx, {
            "title": config.title, "notes": config.notes, "amount": config.amount,
            "contact": config.contact,
            **{f"properties.{name}": value for name, value in config.properties.items()},
        })
        url, payload = hubspot_request(config, text, ctx.now)
    except (FieldRenderError, PathValueError) as err:
        return err.fail()
    return vendor_call(ctx, HUBSPOT, method=config.method, url=url, payload=payload,
                       credential_id=config.credential_id,
                       id_of=lambda body: (body or {}).get("id"))


SPEC = BlockSpec(
    type="action.hubspot",
    version=1,
    category=Category.ACTION,
    label="HubSpot",
    description="Creates a deal or a task in HubSpot, or updates the customer's contact.",
    icon="handshake",
    config_model=HubspotConfig,
    ports=("out",),
    run=run,
    template_fields=("title", "notes", "amount", "contact", "properties.*"),
    group=GROUP,
    example={"credential_id": 1, "operation": "create_deal",
             "title": "Upgrade offer: {{ customer.name }}", "amount": "{{ customer.clv }}"},
)
