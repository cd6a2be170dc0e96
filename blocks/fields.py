"""Field types shared by block configs: durations, times of day, templates, conditions.

Each type carries its validation (so the server and the canvas form agree) and, where
the canvas needs a special editor, a `Widget` marker that the catalog turns into the
@rjsf uiSchema (`ui:widget` / `ui:field`).
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Annotated, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import AfterValidator, Field, GetJsonSchemaHandler, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from blocks.base import ConfigFieldError, ConfigFieldErrors
from blocks.host import block_host, template_errors


@dataclass(frozen=True)
class Widget:
    """The canvas editor for a field: `ui:widget` (a value) or `ui:field` (a subtree)."""

    name: str
    kind: str = "ui:widget"


def shown_when(**choices: tuple[str, ...]) -> dict[str, Any]:
    """`json_schema_extra` for a field that only matters for some values of another
    (`shown_when(mode=("duration",))`): the block form shows it only then."""
    return {"x-shown-when": {name: list(values) for name, values in choices.items()}}


def matching(pattern: str, hint: str) -> tuple[Any, ...]:
    """Metadata for a string that must match `pattern`: the JSON Schema keeps the
    pattern for the form, and the server error says `hint` instead of the regex, in the
    reader's language (`hint` is an English msgid, marked with gettext_noop)."""
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if not compiled.fullmatch(text):
            raise ConfigFieldError("", "invalid_format", _(hint))
        return text

    return Field(json_schema_extra={"pattern": pattern}), AfterValidator(check)


# --- Durations --------------------------------------------------------------------------

_DURATION_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
                   "m": timedelta(minutes=1)}
DURATION_PATTERN = r"^(?:[0-9]{1,4}[wdhm]){1,4}$"
_DURATION_PART = re.compile(r"([0-9]+)([wdhm])")
_DURATION_HINT = "a duration like 30m, 2h, 3d, 1w or 1d12h"
MAX_DURATION = timedelta(days=730)


def duration_parse(text: str) -> timedelta:
    """"3d", "2h", "1d12h", "90m", "2w" -> timedelta. Raises ValueError."""
    if not re.fullmatch(DURATION_PATTERN, text):
        raise ValueError(f"not {_DURATION_HINT}")
    return sum(
        (int(number) * _DURATION_UNITS[unit] for number, unit in _DURATION_PART.findall(text)),
        timedelta(),
    )


def _duration_valid(text: str) -> str:
    try:
        value = duration_parse(text)
    except ValueError:
        raise ConfigFieldError("", "invalid_format",
                               _("write a duration like 30m, 2h, 3d, 1w or 1d12h")) from None
    if value <= timedelta(0):
        raise ConfigFieldError("", "duration_too_short", _("a duration must be longer than 0"))
    if value > MAX_DURATION:
        raise ConfigFieldError("", "duration_too_long",
                               _("a duration is at most 730 days (104w)"))
    return text


Duration = Annotated[
    str,
    Field(json_schema_extra={"pattern": DURATION_PATTERN},
          examples=["3d", "2h", "1d12h", "30m", "2w"]),
    AfterValidator(_duration_valid),
    Widget("duration"),  # the canvas shows a number and a unit, never the pattern
]

# --- Small scalar types -----------------------------------------------------------------

LocalTime = Annotated[
    str,
    Field(examples=["09:00", "18:30"]),
    *matching(r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
              gettext_noop("a time of day as HH:MM, e.g. 09:00")),
]


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _event_type_valid(text: str) -> str:
    """The host's rule for event type names (the tracking API's), asked at validation."""
    host = block_host()
    if not _compiled(host.event_type_pattern).fullmatch(text):
        raise ConfigFieldError("", "invalid_format", _(host.event_type_hint))
    return text


class _EventTypeSchema:
    """Puts the host's event type pattern into the JSON Schema when it is generated
    (after the host is installed), so the form checks what the server checks."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = block_host().event_type_pattern
        return schema


EventType = Annotated[
    str,
    Field(min_length=1, max_length=100,
          examples=["feedback.submitted", "purchase", "subscription.cancelled"]),
    AfterValidator(_event_type_valid),
    _EventTypeSchema(),
]
AttributeName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["contract_end", "plan"]),
    *matching(r"^[A-Za-z_][A-Za-z0-9_]*$",
              gettext_noop("letters, digits and _, starting with a letter, e.g. contract_end")),
]
PortName = Annotated[
    str,
    Field(min_length=1, max_length=32, examples=["a", "b", "vip", "unhappy"]),
    *matching(r"^[a-z][a-z0-9_]*$",
              gettext_noop("lower-case letters, digits and _, starting with a letter, "
                           "e.g. variant_a")),
]


def port_names_check(names: list[str], *, reserved: str, reserved_hint: str) -> None:
    """Ports named by the user (branches, split variants) must be unique and must not take
    the block's own fixed port; the error names the offending `branches.<i>.name`."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name == reserved:
            raise ConfigFieldError(f"branches.{index}.name", "reserved", _(reserved_hint))
        if name in seen:
            raise ConfigFieldError(f"branches.{index}.name", "duplicate",
                                   _("two branches are named %(name)s") % {"name": repr(name)})
        seen.add(name)


EmailAddress = Annotated[
    str,
    Field(max_length=254, examples=["team@example.com"]),
    *matching(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
              gettext_noop("an e-mail address like team@example.com")),
]


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone_valid(name: str) -> str:
    if name not in _time_zones():
        raise ConfigFieldError("", "invalid_time_zone",
                               "an IANA time zone name, e.g. Europe/Berlin or UTC")
    return name


TimeZoneName = Annotated[
    str,
    Field(max_length=64, examples=["Europe/Berlin", "UTC"]),
    AfterValidator(_time_zone_valid),
    Widget("timezone"),
]
SegmentId = Annotated[int, Field(ge=1, examples=[1]), Widget("segment")]
# A stored credential, by id: the canvas offers a picker of their names.
CredentialId = Annotated[int, Field(ge=1), Widget("credential")]

# --- Liquid templates -------------------------------------------------------------------


def _template_valid(text: str) -> str:
    errors = template_errors(text)
    if errors:
        first = errors[0]
        where = f"line {first['line']}, column {first['column']}: " if first["line"] else ""
        raise ConfigFieldError("", first["code"], where + first["message"])
    return text


# The template check caps any template at MAX_TEMPLATE_CHARS; fields set a lower max.
_LIQUID_LIMITS = (Field(min_length=1), AfterValidator(_template_valid))
# A Liquid template on one line (subjects, titles, URLs); set max_length on the field.
LiquidLine = Annotated[str, *_LIQUID_LIMITS, Widget("liquid")]
# A multi-line Liquid template (bodies, notes, payloads).
LiquidText = Annotated[str, *_LIQUID_LIMITS, Widget("liquid_textarea")]


# --- Conditions -------------------------------------------------------------------------

def _condition_valid(value: dict[str, Any]) -> dict[str, Any]:
    """Validated by the host's condition language (the one both evaluators share), every
    issue at its path inside the condition."""
    issues = block_host().condition_issues(value, root="event")
    if issues:
        raise ConfigFieldErrors([ConfigFieldError(issue["path"], issue["code"],
                                                  issue["message"]) for issue in issues])
    return value


CONDITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Condition",
    "description": (
        'Rules combined with {"all": [...]}, {"any": [...]} or {"not": {...}}; a rule is '
        '{"field": "customer.attributes.plan", "op": "eq", "value": "pro"}.'
    ),
    "examples": [
        {"all": [{"field": "event.properties.score", "op": "lte", "value": 6}]},
        {"any": [{"field": "customer.tier", "op": "eq", "value": "gold"},
                 {"field": "customer.clv", "op": "gte", "value": 1000}]},
    ],
}

Condition = Annotated[
    dict[str, Any],
    AfterValidator(_condition_valid),
    WithJsonSchema(CONDITION_SCHEMA),
    Widget("condition", kind="ui:field"),
]
