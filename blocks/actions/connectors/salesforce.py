"""action.salesforce: create a task or an opportunity in Salesforce, or update a contact.

Salesforce REST API, sObject resources
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm,
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm):
- task: POST https://{instance}/services/data/v60.0/sobjects/Task/ {"Subject",
  "Description"?, "ActivityDate" (YYYY-MM-DD), "Priority", "Status": "Not Started",
  "WhoId"? (the contact)} → 201 {"id", "success": true, "errors": []}
- opportunity: POST .../sobjects/Opportunity/ {"Name", "StageName", "CloseDate",
  "Amount"?} → 201 {"id", ...}
- contact: PATCH .../sobjects/Contact/{id} {field: value} → 204, no body
Errors: [{"message", "errorCode", "fields"}]. Authentication: a bearer credential with
an access token of a connected app (the token's lifetime is the admin's to manage)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.connectors.common import (
    GROUP,
    MAX_FIELDS,
    SALESFORCE,
    Credential,
    FieldName,
    PathValueError,
    credential_field,
    number_or_text,
    path_value,
    render_all,
    vendor_call,
    vendor_origin,
)
from blocks.base import BlockConfig, BlockSpec, Category, ConfigFieldError, Outcome, RunContext
from blocks.fields import Duration, LiquidLine, LiquidText, duration_parse, matching, shown_when
from blocks.rendering import FieldRenderError

API_VERSION = "v60.0"
_TASK = shown_when(operation=("create_task",))
_OPPORTUNITY = shown_when(operation=("create_opportunity",))
_CREATE = shown_when(operation=("create_task", "create_opportunity"))
_OBJECTS = {"create_task": "Task", "create_opportunity": "Opportunity",
            "update_contact": "Contact"}

InstanceHost = Annotated[
    str,
    Field(min_length=3, max_length=200, examples=["acme.my.salesforce.com"]),
    *matching(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.(salesforce|force)\.com$",
              "your Salesforce address without https://, e.g. acme.my.salesforce.com"),
]


class SalesforceConfig(BlockConfig):
    instance: InstanceHost = Field(title="Salesforce address",
                                   description="e.g. acme.my.salesforce.com.")
    credential_id: Credential = credential_field("bearer, an access token of a connected app.")
    operation: Literal["create_task", "create_opportunity", "update_contact"] = Field(
        "create_task", title="What to do",
        json_schema_extra={"x-enum-labels": {"create_task": "Create a task",
                                             "create_opportunity": "Create an opportunity",
                                             "update_contact": "Update a contact"}})
    title: LiquidLine | None = Field(
        None, max_length=255, title="Subject",
        description="The task's subject or the opportunity's name.",
        examples=["Call back {{ customer.name }}"], json_schema_extra=_CREATE)
    notes: LiquidText | None = Field(None, max_length=30_000, title="Description",
                                     json_schema_extra=_TASK)
    amount: LiquidLine | None = Field(None, max_length=100, title="Amount",
                                      json_schema_extra=_OPPORTUNITY)
    stage: str = Field("Prospecting", min_length=1, max_length=100, title="Stage",
                       json_schema_extra=_OPPORTUNITY)
    due_in: Duration = Field("1d", title="Due in",
                             description="A task's due date; an opportunity's close date.",
                             json_schema_extra=_CREATE)
    priority: Literal["High", "Normal", "Low"] = Field(
        "Normal", title="Priority", json_schema_extra={
            **_TASK, "x-enum-labels": {"High": "High", "Normal": "Normal", "Low": "Low"}})
    contact_id: LiquidLine | None = Field(
        None, max_length=300, title="Contact id",
        description="The Salesforce contact (003…): the one to update, or linked to the task.",
        examples=["{{ customer.attributes.salesforce_id }}"])
    fields: dict[FieldName, LiquidLine] = Field(
        default_factory=dict, max_length=MAX_FIELDS, title="Fields",
        description="Field name → value, e.g. Churn_Risk__c → {{ customer.churn_score }}.")

    @model_validator(mode="after")
    def _operation_fields(self) -> SalesforceConfig:
        if self.operation == "update_contact":
            if not self.contact_id:
                raise ConfigFieldError("contact_id", "required", _("say which contact to update"))
            if not self.fields:
                raise ConfigFieldError("fields", "required", _("set at least one field"))
        elif not self.title:
            raise ConfigFieldError("title", "required", _("give it a subject"))
        return self

    @property
    def method(self) -> str:
        return "PATCH" if self.operation == "update_contact" else "POST"

    @property
    def url(self) -> str:
        return (f"{vendor_origin(SALESFORCE, self.instance)}/services/data/{API_VERSION}"
                f"/sobjects/{_OBJECTS[self.operation]}")


def salesforce_request(config: SalesforceConfig, text: dict[str, str], now: Any
                       ) -> tuple[str, dict[str, Any]]:
    extra = {name[len("fields."):]: number_or_text(value) for name, value in text.items()
             if name.startswith("fields.")}
    if config.operation == "update_contact":
        return f"{config.url}/{path_value(text, 'contact_id')}", extra
    day = (now + duration_parse(config.due_in)).date().isoformat()
    if config.operation == "create_task":
        record: dict[str, Any] = {"Subject": text.get("title", ""), "ActivityDate": day,
                                  "Priority": config.priority, "Status": "Not Started"}
        if "notes" in text:
            record["Description"] = text["notes"]
        if "contact_id" in text:
            record["WhoId"] = text["contact_id"]
    else:
        record = {"Name": text.get("title", ""), "StageName": config.stage, "CloseDate": day}
        if "amount" in text:
            record["Amount"] = number_or_text(text["amount"])
    return f"{config.url}/", {**record, **extra}


def run(ctx: RunContext, config: SalesforceConfig) -> Outcome:
    try:
        text = render_all(ctx, {
            "title": config.title, "notes": config.notes, "amount": config.amount,
            "contact_id": config.contact_id,
            **{f"fields.{name}": value for name, value in config.fields.items()},
        })
        url, payload = salesforce_request(config, text, ctx.now)
    except (FieldRenderError, PathValueError) as err:
        return err.fail()
    return vendor_call(ctx, SALESFORCE, method=config.method, url=url, payload=payload,
                       credential_id=config.credential_id,
                       id_of=lambda body: (body or {}).get("id") if isinstance(body, dict)
                       else None)


SPEC = BlockSpec(
    type="action.salesforce",
    version=1,
    category=Category.ACTION,
    label="Salesforce",
    description="Creates a task or an opportunity in Salesforce, or updates a contact.",
    icon="cloud",
    config_model=SalesforceConfig,
    ports=("out",),
    run=run,
    template_fields=("title", "notes", "amount", "contact_id", "fields.*"),
    group=GROUP,
    example={"instance": "acme.my.salesforce.com", "credential_id": 1,
             "operation": "create_task", "title": "Call back {{ customer.name }}",
             "priority": "High"},
)
