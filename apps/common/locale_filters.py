# ruff: noqa: RUF002  (Cyrillic letters are Russian, not look-alikes)
"""Liquid filters that speak the customer's language: dates in their time zone, money,
numbers and plural forms, formatted by Babel (CLDR) for the customer's locale.

    {{ offer.expires_at | date: "long" }}      31. Dezember 2026 / 31 декабря 2026 г.
    {{ 12.5 | money: "EUR" }}                  12,50 € (de) / €12.50 (en)
    {{ 1234.5 | number }}                      1.234,5 (de)
    {{ n | plural: "день", "дня", "дней" }}    the form for n in the locale's rules

The locale and time zone are the customer's: `template_render` sets them for the time of
one render (`render_locale`), so the same template gives each customer their own format.
A `date` format with a % is the usual strftime format, as before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from liquid.builtin.filters.misc import date as liquid_date
from liquid.exceptions import FilterArgumentError
from liquid.filter import with_environment
from liquid.undefined import is_undefined

DEFAULT_LOCALE = "en"
DATE_STYLES = ("short", "medium", "long", "full")
# CLDR's order of plural categories: the forms given to `plural` follow it.
PLURAL_ORDER = ("zero", "one", "two", "few", "many", "other")


@dataclass(frozen=True)
class RenderLocale:
    locale: str = DEFAULT_LOCALE
    timezone: str = "UTC"


_DEFAULT = RenderLocale()
_CURRENT: ContextVar[RenderLocale] = ContextVar("keepflow_render_locale", default=_DEFAULT)


def locale_normalize(tag: str | None) -> str:
    """"de_at", "DE-at" → "de-AT"; "" stays "" (no locale on the profile)."""
    parts = (tag or "").strip().replace("_", "-").split("-")
    if not parts[0]:
        return ""
    language = parts[0].lower()
    rest = [part.upper() if len(part) == 2 else part for part in parts[1:] if part]
    return "-".join([language, *rest])


@lru_cache(maxsize=128)
def babel_locale(tag: str) -> Locale:
    """The Babel locale of a tag, its language alone if the region is unknown, else English."""
    for candidate in (locale_normalize(tag).replace("-", "_"), tag.split("-")[0].split("_")[0]):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(DEFAULT_LOCALE)


@lru_cache(maxsize=128)
def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


@contextlib.contextmanager
def render_locale(locale: str | None, timezone: str | None) -> Iterator[None]:
    """Format with this locale and time zone while the block runs."""
    token = _CURRENT.set(RenderLocale(locale or DEFAULT_LOCALE, timezone or "UTC"))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _current() -> tuple[Locale, dt.tzinfo]:
    current = _CURRENT.get()
    return babel_locale(current.locale), _zone(current.timezone)


def _datetime(value: Any) -> dt.datetime | dt.date | None:
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in ("now", "today"):
            return dt.datetime.now(dt.UTC)
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


@with_environment
def date(value: Any, fmt: Any = "medium", *, environment: Any) -> str:
    """"short" | "medium" | "long" | "full" or a Babel pattern ("d. MMMM"), in the
    customer's locale and time zone; a format with % is strftime (Liquid's own date)."""
    if is_undefined(value) or value in (None, ""):
        return ""
    if is_undefined(fmt) or not isinstance(fmt, str) or "%" in fmt:
        return str(liquid_date(value, fmt, environment=environment))
    when = _datetime(value)
    if when is None:
        return str(value)  # like Liquid's date: what is no date is shown as it is
    locale, zone = _current()
    if isinstance(when, dt.datetime):
        when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(zone)
    try:
        if fmt in DATE_STYLES:
            day = when.date() if isinstance(when, dt.datetime) else when
            return format_date(day, fmt, locale=locale)
        return format_datetime(when, fmt, locale=locale)
    except (ValueError, TypeError, KeyError) as err:
        raise FilterArgumentError(f"date: {fmt!r} is not a date format ({err})",
                                  token=None) from None


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool):
        raise FilterArgumentError(f"{name}: expected a number, found a boolean", token=None)
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise FilterArgumentError(f"{name}: expected a number, found {value!r}",
                                  token=None) from None


def money(value: Any, currency: Any = None) -> str:
    """An amount with its currency as the customer writes it: 12,50 € / €12.50."""
    if is_undefined(value) or value in (None, ""):
        return ""
    amount = _decimal(value, "money")
    locale = _current()[0]
    if is_undefined(currency) or not currency:
        return format_decimal(amount, format="#,##0.00", locale=locale)
    code = str(currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise FilterArgumentError(f"money: {currency!r} is not a currency code like EUR",
                                  token=None)
    return format_currency(amount, code, locale=locale)


def number(value: Any, decimals: Any = None) -> str:
    """A number with the customer's separators (1.234,5); `number: 2` fixes the decimals."""
    if is_undefined(value) or value in (None, ""):
        return ""
    amount = _decimal(value, "number")
    locale = _current()[0]
    if is_undefined(decimals) or decimals is None:
        return format_decimal(amount, locale=locale)
    try:
        places = int(decimals)
    except (TypeError, ValueError):
        raise FilterArgumentError("number: the decimals are a whole number", token=None) \
            from None
    if not 0 <= places <= 10:
        raise FilterArgumentError("number: 0 to 10 decimals", token=None)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(amount, format=pattern, locale=locale, decimal_quantization=True)


def plural_category(count: Decimal, locale: Locale) -> str:
    return str(locale.plural_form(count))


def plural(value: Any, *forms: Any) -> str:
    """The form of a word for `value` by the customer's language rules. The forms follow
    CLDR's order of that language's categories: one, other (en, de); one, few, many (ru).
    A category with no form given takes the last one; Russian fractions ("other") take
    the "few" form (1,5 дня)."""
    words = [str(form) for form in forms if not is_undefined(form)]
    if not words:
        raise FilterArgumentError("plural: give the word's forms, e.g. plural: \"day\", "
                                  "\"days\"", token=None)
    count = Decimal(0) if is_undefined(value) or value in (None, "") \
        else _decimal(value, "plural")
    locale = _current()[0]
    categories = [c for c in PLURAL_ORDER if c in locale.plural_form.tags]
    category = plural_category(count, locale)
    if category == "other" and len(words) <= len(categories) and "few" in categories:
        category = "few"
    index = len(categories) if category == "other" else categories.index(category)
    return words[min(index, len(words) - 1)]


FILTERS = {"date": date, "money": money, "number": number, "plural": plural}
