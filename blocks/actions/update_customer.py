"""action.update_customer: write to the profile: set or remove attributes, add or remove
tags, set the tier. String values may use Liquid ("{{ offer.code }}" stores the code the
run created). The write goes through `ctx.effects.update_customer`, i.e. the customers
app's profile service, so it is validated and recorded like any other profile write.

Effect contract: update_customer(ProfileChanges) (blocks/base.py): attributes (None
removes one), tags to add and remove, and the tier only when set."""

from __future__ import annotations

from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, WithJsonSchema, field_validator, model_validator

from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Outcome,
    ProfileChanges,
    RunContext,
    SummaryLine,
)
from blocks.fields import AttributeName
from blocks.host import template_errors
from blocks.rendering import FieldRenderError, render_field

MAX_CHANGES = 50
Tag = Annotated[str, Field(min_length=1, max_length=64)]


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ConfigFieldError("", "invalid_type", _("a text, a number, true/false or null"))


# One error naming the attribute, instead of one per member of a union.
AttributeValue = Annotated[
    Any,
    AfterValidator(_scalar),
    WithJsonSchema({"type": ["string", "number", "boolean", "null"]}),
]


class UpdateCustomerConfig(BlockConfig):
    set_attributes: dict[AttributeName, AttributeValue] = Field(
        default_factory=dict, title="Set attributes",
        description="Name → value; text may use Liquid; null removes the attribute.",
        examples=[{"last_apology_at": "{{ event.occurred_at }}", "apology_sent": True}],
    )
    add_tags: list[Tag] = Field(default_factory=list, max_length=20, title="Add tags")
    remove_tags: list[Tag] = Field(default_factory=list, max_length=20, title="Remove tags")
    tier: str | None = Field(None, max_length=32, title="Set tier",
                             description="Leave empty to keep the tier.")

    @field_validator("set_attributes")
    @classmethod
    def _values_valid(cls, values: dict[str, Any]) -> dict[str, Any]:
        if len(values) > MAX_CHANGES:
            raise ConfigFieldError("", "too_many",
                                   _("at most %(count)d attributes") % {"count": MAX_CHANGES})
        for name, value in values.items():
            if isinstance(value, str):
                if len(value) > 2000:
                    raise ConfigFieldError(name, "string_too_long", _("at most 2000 characters"))
                errors = template_errors(value)
                if errors:
                    raise ConfigFieldError(name, errors[0]["code"], errors[0]["message"])
        return values

    @model_validator(mode="after")
    def _something_changes(self) -> UpdateCustomerConfig:
        if not (self.set_attributes or self.add_tags or self.remove_tags or self.tier):
            raise ConfigFieldError("set_attributes", "required", _("say what to change"))
        both = sorted(set(self.add_tags) & set(self.remove_tags))
        if both:
            raise ConfigFieldError("remove_tags", "conflict",
                                   _("%(tag)s is both added and removed") % {"tag": repr(both[0])})
        return self


def run(ctx: RunContext, config: UpdateCustomerConfig) -> Outcome:
    try:
        attributes = {
            name: render_field(ctx, f"set_attributes.{name}", value)
            if isinstance(value, str) else value
            for name, value in config.set_attributes.items()
        }
    except FieldRenderError as err:
        return err.fail()
    changes: ProfileChanges = {"attributes": attributes, "tags_add": list(config.add_tags),
                               "tags_remove": list(config.remove_tags)}
    if config.tier:
        changes["tier"] = config.tier
    return Continue("out", output=dict(ctx.effects.update_customer(changes)))


SPEC = BlockSpec(
    type="action.update_customer",
    version=1,
    category=Category.ACTION,
    label="Update customer",
    description="Sets profile attributes, tags or tier, e.g. marks an apology as sent.",
    icon="user-pen",
    config_model=UpdateCustomerConfig,
    ports=("out",),
    run=run,
    template_fields=("set_attributes.*",),
    group="Tasks and data",
    example={"set_attributes": {"apology_sent": True}, "add_tags": ["apologised"]},
    summary=(
        SummaryLine(parts=("{add_tags|list:+}", "{remove_tags|list:\u2212}",
                           "{set_attributes|keys}")),
    ),
)
