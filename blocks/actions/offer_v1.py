"""action.offer version 1, kept for the workflows published on it: how long the offer is
valid is a number of whole days (`expires_in_days`). Version 2 (offer.py) says it with a
duration; `offer.upgrade` turns this config into that one.

Frozen: a published workflow runs exactly this until its draft is upgraded and published
again. Fix bugs here only if version 1 workflows should get the fix too; never change
what a field means (that is what a new version is for). The field types and the language
variant model are shared with version 2, unchanged by the break."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from pydantic import Field, model_validator

from blocks.actions.offer import CodePattern, Currency, HttpsUrl, Money, OfferVariant
from blocks.base import (
    BlockConfig,
    BlockSpec,
    Category,
    ConfigFieldError,
    Continue,
    Outcome,
    RunContext,
    SummaryLine,
    SummaryWhen,
)
from blocks.fields import shown_when
from blocks.variants import LocaleTag, VariantsWidget, variant_apply, variants_field


class OfferConfigV1(BlockConfig):
    code_pattern: CodePattern = Field("SAVE-{RANDOM6}", max_length=60, title="Code pattern",
               description="{RANDOM6} becomes 6 random characters, unique per customer.")
    kind: Literal["percent", "amount"] = Field(
        "percent", title="Discount type",
        json_schema_extra={"x-enum-labels": {"percent": "Percent off", "amount": "Amount off"}})
    value: Money = Field(title="Discount", examples=[10, 5.5])
    currency: Currency | None = Field(None, title="Currency", description="e.g. EUR.",
                                      json_schema_extra=shown_when(kind=("amount",)))
    expires_in_days: int = Field(14, ge=1, le=365, title="Valid for (days)")
    link_target_url: HttpsUrl | None = Field(
        None, max_length=2000, title="Reactivation page",
        description="Where the signed link leads, e.g. your shop's reactivation page.",
    )
    headline: str | None = Field(
        None, max_length=200, title="Page headline",
        description="Shown above the code when there is no reactivation page of your own.",
        examples=["Welcome back: 10 % off your next order"])
    text: str | None = Field(None, max_length=1000, title="Page text",
                             description="Shown with the code, e.g. how to use it.")
    variants: Annotated[dict[LocaleTag, OfferVariant], VariantsWidget] | None = \
        variants_field()

    @model_validator(mode="after")
    def _kind_fields(self) -> OfferConfigV1:
        if self.kind == "percent" and self.value > 100:
            raise ConfigFieldError("value", "too_large", _("a percent discount is at most 100"))
        if self.kind == "amount" and not self.currency:
            raise ConfigFieldError("currency", "required", _("an amount discount needs a currency"))
        return self


def run(ctx: RunContext, config: OfferConfigV1) -> Outcome:
    variant, config = variant_apply(config, ctx.customer.locale)
    page = {name: text for name, text in (("page_headline", config.headline),
                                           ("page_text", config.text)) if text}
    offer = ctx.effects.create_offer(
        code_pattern=config.code_pattern, kind=config.kind, value=config.value,
        currency=config.currency,
        expires_at=ctx.now + dt.timedelta(days=config.expires_in_days),
        link_target_url=config.link_target_url, **page,
    )
    return Continue("out", output={"offer": dict(offer), "variant": variant})


SPEC = BlockSpec(
    type="action.offer",
    version=1,
    category=Category.ACTION,
    label="Create offer",
    description="Creates a unique discount code and a signed reactivation link.",
    icon="ticket-percent",
    config_model=OfferConfigV1,
    ports=("out",),
    run=run,
    group="Offers",
    example={"code_pattern": "SAVE-{RANDOM6}", "kind": "percent", "value": 10,
             "expires_in_days": 14, "link_target_url": "https://shop.example.com/welcome-back"},
    summary=(
        SummaryLine("{value} {currency} off", when=(SummaryWhen("kind", "eq", "amount"),)),
        SummaryLine("{value} % off", when=(SummaryWhen("kind", "ne", "amount"),)),
    ),
)
