"""The language of the pages a customer sees (unsubscribe, offer link, exit survey): their
profile's locale when Keepflow speaks it, else the browser's (LocaleMiddleware's pick)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def customer_language(locale: str | None) -> str:
    """de-AT → de, ru_RU → ru; an unknown or empty locale → the active language."""
    base = (locale or "").strip().replace("_", "-").split("-")[0].lower()
    if base in {code for code, _name in settings.LANGUAGES}:
        return base
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
