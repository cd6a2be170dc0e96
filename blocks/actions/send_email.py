"""action.send_email: render the subject and body and hand the e-mail to messaging
(`ctx.effects.send_email`), which checks consent, caps, quiet hours and suppression.
A blocked or deferred send is messaging's business: the run goes on through `out`, and
the result (message id, status) is the node's output, with the variant the customer's
locale picked (`variant`: "de", "ru" or "default"; see blocks/variants.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

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
from blocks.fields import EmailAddress, LiquidLine, LiquidText
from blocks.rendering import FieldRenderError, render_field
from blocks.variants import LocaleTag, VariantsWidget, variant_apply, variants_field

# How the category reads in the block form.
CATEGORY_LABELS: dict[str, Any] = {"x-enum-labels": {"transactional": "Service message",
                                     "marketing": "Marketing (needs opt-in)"}}


class EmailVariant(BlockConfig):
    """The e-mail in one language; an empty sender name keeps the default's."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="E-mail in one language")

    subject: LiquidLine = Field(max_length=200, title="Subject")
    body: LiquidText = Field(max_length=100_000, title="Body")
    from_name: str | None = Field(None, max_length=100, title="Sender name")


class SendEmailConfig(BlockConfig):
    subject: LiquidLine = Field(
        max_length=200, title="Subject",
        examples=["Sorry, {{ customer.first_name | default: 'there' }}"],
    )
    body: LiquidText = Field(
        max_length=100_000, title="Body", description="Liquid; HTML unless the format is text.",
        examples=["<p>Hi {{ customer.first_name }}, we are sorry …</p>"],
    )
    format: Literal["html", "text"] = Field(
        "html", title="Format", description="HTML bodies get inserted values escaped."
    )
    from_name: str | None = Field(None, max_length=100, title="Sender name")
    reply_to: EmailAddress | None = Field(None, title="Reply-to address")
    category: MessageCategory = Field(
        "marketing", title="Category", json_schema_extra=CATEGORY_LABELS,
        description="Marketing needs the customer's e-mail opt-in and counts against the "
                    "contact cap; transactional is for service messages only.",
    )
    variants: Annotated[dict[LocaleTag, EmailVariant], VariantsWidget] | None = \
        variants_field()


def run(ctx: RunContext, config: SendEmailConfig) -> Outcome:
    variant, config = variant_apply(config, ctx.customer.locale)
    try:
        subject = render_field(ctx, "subject", config.subject)
        body = render_field(ctx, "body", config.body, html=config.format == "html")
    except FieldRenderError as err:
        return err.fail()
    if not body.strip():
        return Fail("body: rendered empty", retryable=False)
    result = ctx.effects.send_email(
        subject=subject, body=body, format=config.format, from_name=config.from_name,
        reply_to=config.reply_to, category=config.category, variant=variant,
    )
    return Continue("out", output={**result, "variant": variant})


SPEC = BlockSpec(
    type="action.send_email",
    version=1,
    category=Category.ACTION,
    label="Send e-mail",
    description="Sends a personalised e-mail, e.g. an apology or a come-back offer.",
    icon="mail",
    config_model=SendEmailConfig,
    ports=("out",),
    run=run,
    template_fields=("subject", "body", "variants.*.subject", "variants.*.body"),
    group="Messages",
    example={
        "subject": "Sorry, {{ customer.first_name | default: 'there' }}",
        "body": "<p>Hi {{ customer.first_name }}, we are sorry about your experience.</p>",
        "category": "transactional",
    },
    summary=(
        SummaryLine("{subject}"),
    ),
    channel="email",
)
