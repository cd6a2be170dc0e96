"""action.pipedrive: create a deal or an activity (a call to make) in Pipedrive, or
update a person.

Pipedrive API v1 (https://developers.pipedrive.com/docs/api/v1/Deals#addDeal,
https://developers.pipedrive.com/docs/api/v1/Activities#addActivity,
https://developers.pipedrive.com/docs/api/v1/Persons#updatePerson):
- deal: POST https://{company}.pipedrive.com/api/v1/deals {"title", "value"?,
  "currency"?, "person_id"?, "stage_id"?} → 201 {"success": true, "data": {"id"}}
- activity: POST /api/v1/activities {"subject", "type", "due_date" (YYYY-MM-DD),
  "note"?, "person_id"?} → 201 {"success": true, "data": {"id"}}
- person: PUT /api/v1/persons/{id} {field: value} → 200 {"success": true, "data"}
Errors: {"success": false, "error", "error_info"}. Authentication: a header credential,
header `x-api-token`, secret the personal API token."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.connectors.common import (
    GROUP,
    MAX_FIELDS,
    PIPEDRIVE,
    AccountName,
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
from blocks.fields import Duration, LiquidLine, LiquidText, duration_parse, shown_when
from blocks.rendering import FieldRenderError

_DEAL = shown_when(operation=("create_deal",))
_ACTIVITY = shown_when(operation=("create_activity",))
_CREATE = shown_when(operation=("create_deal", "create_activity"))
_PATHS = {"create_deal": "deals", "create_activity": "activities", "update_person": "persons"}


class PipedriveConfig(BlockConfig):
    company: AccountName = Field(title="Company domain",
                                 description="acme for acme.pipedrive.com.")
    credential_id: Credential = credential_field("header x-api-token with your API token.")
    operation: Literal["create_deal", "create_activity", "update_person"] = Field(
        "create_deal", title="What to do",
        json_schema_extra={"x-enum-labels": {"create_deal": "Create a deal",
                                             "create_activity": "Plan an activity",
                                             "update_person": "Update a person"}})
    title: LiquidLine | None = Field(
        None, max_length=255, title="Title", description="The deal's or activity's title.",
        examples=["Call {{ customer.name }}"], json_schema_extra=_CREATE)
    activity_type: Literal["call", "meeting", "task", "email"] = Field(
        "call", title="Activity", json_schema_extra={**_ACTIVITY, "x-enum-labels": {
            "call": "Call", "meeting": "Meeting", "task": "Task", "email": "E-mail"}})
    notes: LiquidText | None = Field(None, max_length=20_000, title="Notes",
                                     json_schema_extra=_ACTIVITY)
    due_in: Duration = Field("1d", title="Due in", json_schema_extra=_ACTIVITY)
    value: LiquidLine | None = Field(None, max_length=100, title="Value",
                                     json_schema_extra=_DEAL)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", title="Currency",
                                 examples=["EUR"], json_schema_extra=_DEAL)
    person_id: LiquidLine | None = Field(
        None, max_length=100, title="Person id",
        description="The Pipedrive person: the one to update, or linked to the deal or "
                    "activity.", examples=["{{ customer.attributes.pipedrive_id }}"])
    fields: dict[FieldName, LiquidLine] = Field(
        default_factory=dict, max_length=MAX_FIELDS, title="Fields",
        description="Field key → value (custom fields use Pipedrive's key).")

    @model_validator(mode="after")
    def _operation_fields(self) -> PipedriveConfig:
        if self.operation == "update_person":
            if not self.person_id:
                raise ConfigFieldError("person_id", "required", _("say which person to update"))
            if not self.fields:
                raise ConfigFieldError("fields", "required", _("set at least one field"))
        elif not self.title:
            raise ConfigFieldError("title", "required", _("give it a title"))
        return self

    @property
    def method(self) -> str:
        return "PUT" if self.operation == "update_person" else "POST"

    @property
    def url(self) -> str:
        return f"{vendor_origin(PIPEDRIVE, self.company)}/api/v1/{_PATHS[self.operation]}"


def pipedrive_request(config: PipedriveConfig, text: dict[str, str], now: Any
                      ) -> tuple[str, dict[str, Any]]:
    extra = {name[len("fields."):]: number_or_text(value) for name, value in text.items()
             if name.startswith("fields.")}
    if config.operation == "update_person":
        return f"{config.url}/{path_value(text, 'person_id', digits=True)}", extra
    record: dict[str, Any]
    if config.operation == "create_deal":
        record = {"title": text.get("title", "")}
        if "value" in text:
            record["value"] = number_or_text(text["value"])
        if config.currency:
            record["currency"] = config.currency
    else:
        record = {"subject": text.get("title", ""), "type": config.activity_type,
                  "due_date": (now + duration_parse(config.due_in)).date().isoformat()}
        if "notes" in text:
            record["note"] = text["notes"]
    if "person_id" in text:
        record["person_id"] = int(path_value(text, "person_id", digits=True))
    return config.url, {**record, **extra}


def _refused(body: Any) -> str | None:
    if isinstance(body, dict) and body.get("success") is False:
        return str(body.get("error") or "not successful")
    return None


def run(ctx: RunContext, config: PipedriveConfig) -> Outcome:
    try:
        text = render_all(ctx, {
            "title": config.title, "notes": config.notes, "value": config.value,
            "person_id": config.person_id,
            **{f"fields.{name}": value for name, value in config.fields.items()},
        })
        url, payload = pipedrive_request(config, text, ctx.now)
    except (FieldRenderError, PathValueError) as err:
        return err.fail()
    return vendor_call(ctx, PIPEDRIVE, method=config.method, url=url, payload=payload,
                       credential_id=config.credential_id, refused=_refused,
                       id_of=lambda body: ((body or {}).get("data") or {}).get("id"))


SPEC = BlockSpec(
    type="action.pipedrive",
    version=1,
    category=Category.ACTION,
    label="Pipedrive",
    description="Creates a deal or plans a call in Pipedrive, or updates a person.",
    icon="kanban",
    config_model=PipedriveConfig,
    ports=("out",),
    run=run,
    template_fields=("title", "notes", "value", "person_id", "fields.*"),
    group=GROUP,
    example={"company": "acme", "credential_id": 1, "operation": "create_activity",
             "title": "Call {{ customer.name }}", "activity_type": "call"},
)
