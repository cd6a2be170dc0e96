"""Value semantics shared by both evaluators, so that they cannot drift apart.

- Kinds: comparisons only hold between values of the same kind (numbers with numbers,
  strings with strings); a bool is not a number. JSON null counts as missing.
- Numbers compare exactly, as PostgreSQL's numeric does (a float is taken at its
  shortest decimal form, the form JSON stores).
- Strings compare by code point (PostgreSQL: COLLATE "C" on UTF-8).
- Dates are ISO-8601 strings of one strict shape (ISO_DATETIME): a calendar date, or a
  date and time with an optional offset; no offset means UTC. Anything else is not a date.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_DATE = (
    "(?:[12][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    "|(?:[12][0-9](?:0[48]|[2468][048]|[13579][26])|(?:1[26]|2[048])00)-02-29)"
)
_TIME = "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])"
# Valid calendar dates only (leap years included), so that the SQL cast never fails.
ISO_DATETIME = rf"\A(?:{_DATE}(?:{_TIME}{_OFFSET}?)?)\Z"
ISO_HAS_OFFSET = r"(?:Z|[+-][0-9]{2}:[0-9]{2})\Z"
_ISO_RE = re.compile(ISO_DATETIME, re.ASCII)

_DURATION_RE = re.compile(r"([1-9][0-9]{0,5})([mhdw])", re.ASCII)
_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
MAX_DURATION = timedelta(days=36_600)


def json_kind(value: Any) -> str:
    """The JSON kind of a value, as jsonb_typeof names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def exact_number(value: int | float | Decimal) -> Decimal:
    """The exact decimal PostgreSQL's numeric holds for this number."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON scalars: same kind and equal (1 == 1.0, but True != 1)."""
    kind = json_kind(a)
    if kind != json_kind(b):
        return False
    if kind == "number":
        return exact_number(a) == exact_number(b)
    return a == b


def iso_datetime(value: Any) -> datetime | None:
    """The instant an ISO_DATETIME string names (UTC when it has no offset), else None."""
    if not isinstance(value, str) or not _ISO_RE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def duration_parse(text: str) -> timedelta:
    """'30d', '12h', '2w', '90m' → timedelta. Raises ValueError otherwise."""
    match = _DURATION_RE.fullmatch(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a duration; write a whole number and a unit: "
            "m (minutes), h (hours), d (days) or w (weeks), e.g. 30d"
        )
    duration = int(match.group(1)) * _UNITS[match.group(2)]
    if duration > MAX_DURATION:
        raise ValueError(f"{text!r} is too long; at most {MAX_DURATION.days} days")
    return duration
