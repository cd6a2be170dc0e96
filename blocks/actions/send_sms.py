"""action.send_sms: render the text and hand it to messaging (`ctx.effects.send_sms`),
which checks consent, STOP, caps and quiet hours. The output carries the provider result
and the text's size as carriers bill it (encoding, segments)."""

from __future__ import annotations

from pydantic import Field

from apps.common.templating import sms_segments
from blocks.actions.send_email import CATEGORY_LABELS, MessageCategory
from blocks.base import BlockConfig, BlockSpec, Category, Continue, Fail, Outcome, RunContext
from blocks.fields import LiquidText
from blocks.rendering import FieldRenderError, render_field


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


def run(ctx: RunContext, config: SendSmsConfig) -> Outcome:
    try:
        body = render_field(ctx, "body", config.body)
    except FieldRenderError as err:
        return err.fail()
    if not body.strip():
        return Fail("body: rendered empty", retryable=False)
    result = ctx.effects.send_sms(body=body, category=config.category)
    return Continue("out", output={**result, "sms": dict(sms_segments(body))})


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
    template_fields=("body",),
    group="Messages",
    example={"body": "Sorry {{ customer.first_name | default: 'there' }}, we will make it right.",
             "category": "transactional"},
)
