"""action.send_sms: render the text and hand it to messaging (`ctx.effects.send_sms`),
which checks consent, STOP, caps and quiet hours. The output carries the provider result
and the text's size as carriers bill it (encoding, segments), and the variant the
customer's locale picked (`variant`; see blocks/variants.py): a Cyrillic text is UCS-2,
70 characters a segment, so a Russian variant may cost more segments than the default."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from blocks.actions.send_email import CATEGORY_LABELS
from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    Continue,
    Fail,
    MessageCategory,
    Outcome,
    RunContext,
    SummaryLine,
)
from blocks.fields import LiquidText
from blocks.host import block_host
from blocks.rendering import FieldRenderError, render_field
from blocks.variants import LocaleTag, VariantsWidget, variant_apply, variants_field


class SmsVariant(BlockConfig):
    """The text in one language."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="SMS in one language")

    body: LiquidText = Field(max_length=1600, title="Text")


class SendSmsConfig(BlockConfig):
    body: LiquidText = Field(
        max_length=1600, title="Text",
        description="160 plain characters fit one SMS; emoji or other scripts allow 70.",
        examples=["Sorry {{ customer.first_name }}! Here is 10 % off: {{ offer.code }}"],
    )
    category: MessageCategory = Field(
        "marketing", title="Category", json_schema_extra=CATEGORY_LABELS,
        description="Marketing needs the customer's SMS opt-in; transactional is for "
                    "service messages only.",
    )
    variants: Annotated[dict[LocaleTag, SmsVariant], VariantsWidget] | None = \
        variants_field()


def run(ctx: RunContext, config: SendSmsConfig) -> Outcome:
    variant, config = variant_apply(config, ctx.customer.locale)
    try:
        body = render_field(ctx, "body", config.body)
    except FieldRenderError as err:
        return err.fail()
    if not body.strip():
        return Fail("body: rendered empty", retryable=False)
    result = ctx.effects.send_sms(body=body, category=config.category, variant=variant)
    return Continue("out", output={**result, "sms": dict(block_host().sms_size(body)),
                                   "variant": variant})


SPEC = BlockSpec(
    type="action.send_sms",
    version=1,
    category=Category.ACTION,
    label="Send SMS",
    description="Sends a personalised text message.",
    icon="message-square",
    config_model=SendSmsConfig,
    ports=("out",),
    run=run,
    template_fields=("body", "variants.*.body"),
    group="Messages",
    example={"body": "Sorry {{ customer.first_name | default: 'there' }}, we will make it right.",
             "category": "transactional"},
    summary=(
        SummaryLine("{body}"),
    ),
    channel="sms",
)
