"""action.exit_survey: ask a customer who left why, by e-mail or SMS.

It creates the survey (`ctx.effects.create_exit_survey`: a signed link to the hosted
one-question page, with the reasons an admin configures), renders the message with the
link as {{ survey.url }}, and hands it to messaging like send_email / send_sms, so
consent, caps, quiet hours and suppression apply. The answer comes back as the customer
event `exit_survey.answered`; later nodes can wait for it. Output: the message result,
{"survey": {"survey_id", "url", "expires_at"}} and the `variant` the customer's locale
picked. The page's question and intro are the block's own when set (per variant too),
else the page's standard words in the customer's language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import ConfigDict, Field, model_validator

from blocks.actions.send_email import CATEGORY_LABELS
from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Fail,
    MessageCategory,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
)
from blocks.fields import LiquidLine, LiquidText, Widget, matching, shown_when
from blocks.host import block_host
from blocks.rendering import FieldRenderError, render_field
from blocks.variants import LocaleTag, VariantsWidget, variant_apply, variants_field

ReasonCode = Annotated[str, *matching(r"^[a-z][a-z0-9_]{0,39}$",
                                      "a reason code like too_expensive")]
LINK_VARIABLE = "survey.url"


def _link_check(body: str, field: str = "body") -> None:
    if LINK_VARIABLE not in body.replace(" ", ""):
        raise ConfigFieldError(field, "missing_link",
                               _("put {{ survey.url }} in the message: it is the survey link"))


class ExitSurveyVariant(BlockConfig):
    """The message and the page's words in one language; empty fields keep the default's."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Survey texts in one language")

    subject: LiquidLine | None = Field(None, max_length=200, title="Subject")
    body: LiquidText = Field(max_length=100_000, title="Message")
    question: str | None = Field(None, max_length=300, title="Question on the page")
    intro: str | None = Field(None, max_length=1000, title="Intro on the page")

    @model_validator(mode="after")
    def _link(self) -> ExitSurveyVariant:
        _link_check(self.body)
        return self


class ExitSurveyConfig(BlockConfig):
    channel: Literal["email", "sms"] = Field(
        "email", title="Channel",
        json_schema_extra={"x-enum-labels": {"email": "E-mail", "sms": "SMS"}})
    subject: LiquidLine | None = Field(
        None, max_length=200, title="Subject",
        examples=["{{ customer.first_name | default: 'Hello' }}, may we ask you one thing?"],
        json_schema_extra=shown_when(channel=("email",)),
    )
    body: LiquidText = Field(
        max_length=100_000, title="Message",
        description="Must contain {{ survey.url }}, the customer's personal survey link.",
        examples=["Why did you leave? One click tells us: {{ survey.url }}"],
    )
    reasons: Annotated[list[ReasonCode], Widget("exit_reasons", kind="ui:field")] = Field(
        default_factory=list, max_length=30, title="Reasons to offer",
        description="Reason codes from Exit reasons; empty offers every active reason.",
    )
    question: str | None = Field(
        None, max_length=300, title="Question on the page",
        description="Empty: the standard question in the customer's language.")
    intro: str | None = Field(
        None, max_length=1000, title="Intro on the page",
        description="Empty: the standard introduction in the customer's language.")
    expires_in_days: int = Field(30, ge=1, le=365, title="Link valid for (days)")
    category: MessageCategory = Field(
        "marketing", title="Category", json_schema_extra=CATEGORY_LABELS,
        description="Marketing needs the customer's opt-in on the channel.",
    )
    variants: Annotated[dict[LocaleTag, ExitSurveyVariant], VariantsWidget] | None = \
        variants_field()

    @model_validator(mode="after")
    def _fields(self) -> ExitSurveyConfig:
        if self.channel == "email" and not (self.subject or "").strip():
            raise ConfigFieldError("subject", "required", _("an e-mail needs a subject"))
        _link_check(self.body)
        if len(set(self.reasons)) != len(self.reasons):
            raise ConfigFieldError("reasons", "duplicate", _("each reason once"))
        return self


def run(ctx: RunContext, config: ExitSurveyConfig) -> Outcome:
    variant, config = variant_apply(config, ctx.customer.locale)
    page = {name: text for name, text in (("question", config.question),
                                           ("intro", config.intro)) if text}
    survey = ctx.effects.create_exit_survey(
        channel=config.channel, reason_codes=list(config.reasons),
        expires_at=ctx.now + dt.timedelta(days=config.expires_in_days), **page,
    )
    extra = {"survey": dict(survey)}
    html = config.channel == "email"
    try:
        subject = render_field(ctx, "subject", config.subject or "", extra=extra)
        body = render_field(ctx, "body", config.body, html=html, extra=extra)
    except FieldRenderError as err:
        return err.fail()
    if not body.strip():
        return Fail("body: rendered empty", retryable=False)
    if config.channel == "email":
        result = ctx.effects.send_email(subject=subject, body=body, format="html",
                                        category=config.category, variant=variant)
        return Continue("out", output={**result, "survey": dict(survey), "variant": variant})
    result = ctx.effects.send_sms(body=body, category=config.category, variant=variant)
    return Continue("out", output={**result, "survey": dict(survey),
                                   "sms": dict(block_host().sms_size(body)), "variant": variant})


SPEC = BlockSpec(
    type="action.exit_survey",
    version=1,
    category=Category.ACTION,
    label="Exit survey",
    description="Asks a leaving customer why, by e-mail or SMS, with a one-question page.",
    icon="clipboard-list",
    config_model=ExitSurveyConfig,
    ports=("out",),
    run=run,
    template_fields=("subject", "body", "variants.*.subject", "variants.*.body"),
    group="Messages",
    example={
        "channel": "email",
        "subject": "{{ customer.first_name | default: 'Hello' }}, may we ask you one thing?",
        "body": "<p>We're sorry to see you go. Why did you leave? It takes one click: "
                "<a href=\"{{ survey.url }}\">answer the question</a></p>",
    },
    summary=(
        SummaryLine("Asks why they left, by {channel|channel}"),
        SummaryLine("{reasons|count} reason offered",
                    when=(SummaryWhen("reasons"),),
                    plural="{reasons|count} reasons offered",
                    count="reasons"),
        SummaryLine("All active reasons offered", when=(SummaryWhen("reasons", "unset"),)),
    ),
    channel="field:channel",
)
