"""The fields a condition can name, and what kind of value each one holds.

The kind decides which operators and values are valid, and how both evaluators read it."""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class Kind(StrEnum):
    TEXT = "text"  # a non-null string column; "" means unset
    NUMBER = "number"  # a nullable numeric column
    DATETIME = "datetime"  # a date-time column
    TAGS = "tags"  # the customer's list of tags
    JSON = "json"  # a value inside a JSON document: attributes, properties, consent
    EVENT_COUNT = "event_count"
    DAYS_SINCE_LAST = "days_since_last"


class Scope(StrEnum):
    CUSTOMER = "customer"
    EVENT = "event"
    METRICS = "metrics"


class FieldError(ValueError):
    """A field name that does not resolve; the message says what is valid."""


@dataclass(frozen=True)
class FieldRef:
    name: str
    scope: Scope
    kind: Kind
    column: str = ""  # the model field on Customer or Event
    keys: tuple[str, ...] = ()  # the path inside a JSON column
    nullable: bool = False
    decimal: bool = False  # compared as exact decimals (clv), else as floats


KEY_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,64}", re.ASCII)
MAX_KEY_DEPTH = 5
CONSENT_CHANNELS = ("email", "sms", "call")
CONSENT_ENTRIES = ("status", "source", "at")

_PROFILE: dict[str, FieldRef] = {
    **{
        name: FieldRef(f"customer.{name}", Scope.CUSTOMER, Kind.TEXT, name)
        for name in (
            "external_id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "timezone",
            "locale",
            "tier",
        )
    },
    "churn_score": FieldRef(
        "customer.churn_score", Scope.CUSTOMER, Kind.NUMBER, "churn_score", nullable=True
    ),
    "clv": FieldRef(
        "customer.clv", Scope.CUSTOMER, Kind.NUMBER, "clv", nullable=True, decimal=True
    ),
    # Written by apps.insights (docs/insights.md).
    "p_alive": FieldRef("customer.p_alive", Scope.CUSTOMER, Kind.NUMBER, "p_alive",
                        nullable=True),
    "expected_purchases_90d": FieldRef(
        "customer.expected_purchases_90d", Scope.CUSTOMER, Kind.NUMBER,
        "expected_purchases_90d", nullable=True
    ),
    "created_at": FieldRef("customer.created_at", Scope.CUSTOMER, Kind.DATETIME, "created_at"),
    "last_seen_at": FieldRef(
        "customer.last_seen_at", Scope.CUSTOMER, Kind.DATETIME, "last_seen_at", nullable=True
    ),
    "tags": FieldRef("customer.tags", Scope.CUSTOMER, Kind.TAGS, "tags"),
}
_EVENT: dict[str, FieldRef] = {
    "type": FieldRef("event.type", Scope.EVENT, Kind.TEXT, "type"),
    "occurred_at": FieldRef("event.occurred_at", Scope.EVENT, Kind.DATETIME, "occurred_at"),
}
_METRICS: dict[str, FieldRef] = {
    "event_count": FieldRef("metrics.event_count", Scope.METRICS, Kind.EVENT_COUNT),
    "days_since_last": FieldRef("metrics.days_since_last", Scope.METRICS, Kind.DAYS_SINCE_LAST),
}


def field_names() -> list[str]:
    """Every field, with placeholders for the open-ended JSON paths (for docs and forms)."""
    return [
        *(ref.name for ref in _PROFILE.values()),
        "customer.attributes.<key>[.<key>...]",
        *(f"customer.consent.{c}.{e}" for c in CONSENT_CHANNELS for e in CONSENT_ENTRIES),
        *(ref.name for ref in _EVENT.values()),
        "event.properties.<key>[.<key>...]",
        *(ref.name for ref in _METRICS.values()),
    ]


@cache
def field_resolve(name: str) -> FieldRef:
    """The field named `customer.attributes.plan`, `event.type`, `metrics.event_count`, …"""
    scope, _, rest = name.partition(".")
    if scope == "customer":
        return _customer_field(name, rest)
    if scope == "event":
        return _event_field(name, rest)
    if scope == "metrics" and rest in _METRICS:
        return _METRICS[rest]
    if scope == "metrics":
        raise FieldError(f"unknown metric {rest!r}; use one of: {', '.join(_METRICS)}")
    raise FieldError(
        "a field starts with customer., event. or metrics., e.g. customer.attributes.plan"
    )


def _customer_field(name: str, rest: str) -> FieldRef:
    head, _, tail = rest.partition(".")
    if head == "attributes":
        return FieldRef(name, Scope.CUSTOMER, Kind.JSON, "attributes", _json_keys(tail, name))
    if head == "consent":
        channel, _, entry = tail.partition(".")
        if channel not in CONSENT_CHANNELS or entry not in CONSENT_ENTRIES:
            raise FieldError(
                f"consent fields are customer.consent.<{'|'.join(CONSENT_CHANNELS)}>."
                f"<{'|'.join(CONSENT_ENTRIES)}>"
            )
        return FieldRef(name, Scope.CUSTOMER, Kind.JSON, "consent", (channel, entry))
    if rest in _PROFILE:
        return _PROFILE[rest]
    raise FieldError(
        f"unknown customer field {rest!r}; use one of: {', '.join(_PROFILE)}, "
        "attributes.<key>, consent.<channel>.status"
    )


def _event_field(name: str, rest: str) -> FieldRef:
    head, _, tail = rest.partition(".")
    if head == "properties":
        return FieldRef(name, Scope.EVENT, Kind.JSON, "properties", _json_keys(tail, name))
    if rest in _EVENT:
        return _EVENT[rest]
    raise FieldError(
        f"unknown event field {rest!r}; use one of: {', '.join(_EVENT)}, properties.<key>"
    )


def _json_keys(path: str, name: str) -> tuple[str, ...]:
    keys = tuple(path.split(".")) if path else ()
    if not keys:
        raise FieldError(f"name a key inside the document, e.g. {name}.plan")
    if len(keys) > MAX_KEY_DEPTH:
        raise FieldError(f"at most {MAX_KEY_DEPTH} nested keys")
    for key in keys:
        if not KEY_PATTERN.fullmatch(key):
            raise FieldError(
                f"key {key!r} is not allowed: keys are 1-64 letters, digits, '_' or '-'"
            )
    return keys
