"""action.offer: create a unique discount code and a signed reactivation link for the
customer (`ctx.effects.create_offer`). Later nodes see it as offer.code / offer.link in
templates: the node's output is {"offer": {...}} and the engine exposes the latest one.

Without a reactivation page of your own, the link shows Keepflow's offer page with the
code: its headline and text are the block's (in the variant of the customer's locale,
see blocks/variants.py), else standard words. Output: {"offer": {...}, "variant": ...}.

Effect contract: `Effects.create_offer` returns an OfferResult (blocks/base.py): at least
code, link and expires_at.

Version 2: how long the offer is valid is a duration (`valid_for`: "48h" for a flash
offer, "14d"), where version 1 took whole days (`expires_in_days`, kept in offer_v1.py
for the workflows published on it). `upgrade` turns a version 1 config into this one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

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
from blocks.fields import Duration, duration_parse, matching, shown_when
from blocks.variants import LocaleTag, VariantsWidget, variant_apply, variants_field

CODE_PATTERN = r"^[A-Z0-9_\-]{0,20}\{RANDOM([4-9]|1[0-6])\}[A-Z0-9_\-]{0,20}$"

Money = Annotated[
    Decimal,
    Field(gt=0, max_digits=10, decimal_places=2),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01}),
]

CodePattern = Annotated[str, *matching(
    CODE_PATTERN,
    "capitals, digits, _ and - around one {RANDOMn} with n from 4 to 16, e.g. SAVE-{RANDOM6}",
)]
Currency = Annotated[str, *matching(r"^[A-Z]{3}$", "an ISO currency code like EUR")]
HttpsUrl = Annotated[str, *matching(r"^https://[^\s]+$", "an https:// address")]
MIN_VALID, MAX_VALID = dt.timedelta(hours=1), dt.timedelta(days=365)


class OfferVariant(BlockConfig):
    """The offer page's words in one language; empty fields keep the default's."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Offer page in one language")

    headline: str | None = Field(None, max_length=200, title="Page headline")
    text: str | None = Field(None, max_length=1000, title="Page text")


class OfferConfig(BlockConfig):
    code_pattern: CodePattern = Field("SAVE-{RANDOM6}", max_length=60, title="Code pattern",
               description="{RANDOM6} becomes 6 random characters, unique per customer.")
    kind: Literal["percent", "amount"] = Field(
        "percent", title="Discount type",
        json_schema_extra={"x-enum-labels": {"percent": "Percent off", "amount": "Amount off"}})
    value: Money = Field(title="Discount", examples=[10, 5.5])
    currency: Currency | None = Field(None, title="Currency", description="e.g. EUR.",
                                      json_schema_extra=shown_when(kind=("amount",)))
    valid_for: Duration = Field(
        "14d", title="Valid for",
        description="How long the code and the link work: 48h for a flash offer, at most "
        "365 days.")
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
    def _kind_fields(self) -> OfferConfig:
        if self.kind == "percent" and self.value > 100:
            raise ConfigFieldError("value", "too_large", _("a percent discount is at most 100"))
        if self.kind == "amount" and not self.currency:
            raise ConfigFieldError("currency", "required", _("an amount discount needs a currency"))
        if duration_parse(self.valid_for) < MIN_VALID:
            raise ConfigFieldError("valid_for", "duration_too_short",
                                   _("an offer is valid for at least 1 hour"))
        if duration_parse(self.valid_for) > MAX_VALID:
            raise ConfigFieldError("valid_for", "duration_too_long",
                                   _("an offer is valid for at most 365 days"))
        return self


def upgrade(config: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 -> 2: whole days (`expires_in_days: 14`) become a duration
    (`valid_for: "14d"`); every other field stays. A value that was not a number is
    carried over as it is, so validation names it under `valid_for`."""
    out: dict[str, Any] = {}
    for key, value in config.items():  # in the same place, so a diff reads as one change
        if key != "expires_in_days":
            out[key] = value
            continue
        whole = isinstance(value, int) and not isinstance(value, bool)
        out["valid_for"] = f"{value}d" if whole or (isinstance(value, str) and value.isdigit()) \
            else value
    return out


def run(ctx: RunContext, config: OfferConfig) -> Outcome:
    variant, config = variant_apply(config, ctx.customer.locale)
    page = {name: text for name, text in (("page_headline", config.headline),
                                           ("page_text", config.text)) if text}
    offer = ctx.effects.create_offer(
        code_pattern=config.code_pattern, kind=config.kind, value=config.value,
        currency=config.currency,
        expires_at=ctx.now + duration_parse(config.valid_for),
        link_target_url=config.link_target_url, **page,
    )
    return Continue("out", output={"offer": dict(offer), "variant": variant})


SPEC = BlockSpec(
    type="action.offer",
    version=2,
    category=Category.ACTION,
    label="Create offer",
    description="Creates a unique discount code and a signed reactivation link.",
    icon="ticket-percent",
    config_model=OfferConfig,
    ports=("out",),
    run=run,
    group="Offers",
    example={"code_pattern": "SAVE-{RANDOM6}", "kind": "percent", "value": 10,
             "valid_for": "14d", "link_target_url": "https://shop.example.com/welcome-back"},
    upgrade=upgrade,
    summary=(
        SummaryLine("{value} {currency} off", when=(SummaryWhen("kind", "eq", "amount"),)),
        SummaryLine("{value} % off", when=(SummaryWhen("kind", "ne", "amount"),)),
    ),
    changes="Validity is now a duration: hours too, e.g. 48h for a flash offer.",
)
