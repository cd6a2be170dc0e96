"""Message variants per locale: a block's texts in other languages beside its default.

A message block (send_email, send_sms, exit_survey, offer) may carry
`variants: {"de": {...}, "ru": {...}, "de-AT": {...}}` with the same text fields as the
block itself. The customer's `locale` picks one, from the most specific tag to its
language (de-AT → de), else the block's own fields, the default. A field a variant leaves
empty (a sender name, say) keeps the default's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, get_args

from pydantic import AfterValidator, Field

from blocks.base import BlockConfig, ConfigFieldError
from blocks.fields import Widget
from blocks.host import block_host

DEFAULT = "default"
LOCALE_PATTERN = r"^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$"
MAX_VARIANTS = 30


def _locale_valid(tag: str) -> str:
    if not re.fullmatch(LOCALE_PATTERN, tag):
        raise ConfigFieldError("", "invalid_locale",
                               "a language tag like de, ru or de-AT (language in lower case, "
                               "region in capitals)")
    return tag


LocaleTag = Annotated[str, Field(examples=["de", "ru", "de-AT"],
                                 json_schema_extra={"pattern": LOCALE_PATTERN}),
                      AfterValidator(_locale_valid)]

V = TypeVar("V", bound=BlockConfig)


def variants_field() -> Any:
    """The `variants` field of a block's config: {locale: the variant's texts}; declare it
    as `Annotated[dict[LocaleTag, XVariant], VariantsWidget] | None = variants_field()`."""
    return Field(
        None, title="Languages", max_length=MAX_VARIANTS,
        description="The texts in other languages. The customer's locale picks one "
                    "(de-AT, then de); everyone else gets the texts above.",
    )


VariantsWidget = Widget("variants", kind="ui:field")


def locale_chain(locale: str | None) -> list[str]:
    """"de-AT" → ["de-AT", "de"]; "" → []."""
    tag = block_host().locale_normalize(locale)
    if not tag:
        return []
    parts = tag.split("-")
    return ["-".join(parts[:size]) for size in range(len(parts), 0, -1)]


def variant_pick(variants: Mapping[str, Any] | None, locale: str | None
                 ) -> tuple[str, Any | None]:
    """(the variant's key, the variant) for a customer's locale, or ("default", None)."""
    if not variants:
        return DEFAULT, None
    for tag in locale_chain(locale):
        if tag in variants:
            return tag, variants[tag]
    return DEFAULT, None


def variant_apply(config: V, locale: str | None) -> tuple[str, V]:
    """The config as this customer gets it: the picked variant's texts over the default's."""
    key, variant = variant_pick(getattr(config, "variants", None), locale)
    if variant is None:
        return key, config
    texts = {name: value for name, value in variant.model_dump().items() if value is not None}
    return key, config.model_copy(update=texts)


def variant_locales_missing(variants: Mapping[str, Any] | None,
                            counts: Mapping[str, int]) -> dict[str, int]:
    """Of customer counts by language ({"de": 40, "ru": 12}), those no variant speaks."""
    have = set(variants or {})
    return {language: count for language, count in counts.items()
            if count and language not in have}


def _variant_model(config_model: type[BlockConfig]) -> type[BlockConfig] | None:
    """The model of one variant, read from the `variants` field's annotation."""
    info = config_model.model_fields.get("variants")
    if info is None:
        return None
    pending: list[Any] = [info.annotation]
    while pending:
        current = pending.pop()
        if isinstance(current, type) and issubclass(current, BlockConfig):
            return current
        pending += list(get_args(current))
    return None


def variant_texts_present(config: BlockConfig) -> bool:
    """Whether a block has texts a customer reads that could be in their language: a
    message always; an offer only when it sets its page's words (or has variants)."""
    model = _variant_model(type(config))
    if model is None:
        return False
    if getattr(config, "variants", None):
        return True
    return any(getattr(config, name, None) for name in model.model_fields)
