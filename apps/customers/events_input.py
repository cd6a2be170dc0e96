"""The events API's input, checked without building serializers when it is plainly valid.

Why: `EventInSerializer(data=...)` deep-copies its declared fields on every instantiation
and runs each value through DRF's field machinery; that was about a seventh of a
single-event request's web CPU and half of a 100-event batch's (docs/benchmarks.md).
Almost every real event is plain: text ids and type without surrounding spaces, a JSON
object of properties, an ISO time or none. This module recognises exactly that subset
and returns what the serializers would return for it. Anything else, and every invalid
input, gets None, and the view runs the serializers, which give their usual answer (a
400 naming the field). So the errors stay DRF's; only the cost of the common case goes.
`tests/customers/test_events_input.py` holds both to the same output.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any, TypeGuard

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.customers.serializers import EventBatchInSerializer, EventInSerializer
from apps.customers.validators import EVENT_TYPE_PATTERN

_TYPE = re.compile(EVENT_TYPE_PATTERN)
# A field with no per-request state: to_internal_value reads only its settings.
_OCCURRED_AT = serializers.DateTimeField(default_timezone=UTC)


def _max_length(name: str) -> int:
    return EventInSerializer._declared_fields[name].max_length  # type: ignore[attr-defined]


_CUSTOMER_ID_MAX = _max_length("customer_id")
_TYPE_MAX = _max_length("type")
_KEY_MAX = _max_length("idempotency_key")
_BATCH_MAX: int = EventBatchInSerializer._declared_fields["events"].max_length  # type: ignore[attr-defined]


def event_in_plain(data: Any) -> dict[str, Any] | None:
    """EventInSerializer's validated data for a plainly valid event, else None."""
    if type(data) is not dict:
        return None
    customer_id, event_type = data.get("customer_id"), data.get("type")
    if not (_plain_text(customer_id, _CUSTOMER_ID_MAX) and _plain_text(event_type, _TYPE_MAX)
            and _TYPE.search(event_type)):
        return None
    properties = data.get("properties", _MISSING)
    if properties is _MISSING:
        properties = {}
    elif type(properties) is dict:
        properties = dict(properties)  # DictField builds a new dict (keys are text in JSON)
    else:
        return None
    validated: dict[str, Any] = {"customer_id": customer_id, "type": event_type,
                                 "properties": properties}
    if "occurred_at" in data:
        occurred_at = data["occurred_at"]
        if type(occurred_at) is not str:
            return None
        try:
            validated["occurred_at"] = _OCCURRED_AT.to_internal_value(occurred_at)
        except ValidationError:
            return None
    if "idempotency_key" in data:
        key = data["idempotency_key"]
        if not _plain_text(key, _KEY_MAX):
            return None
        validated["idempotency_key"] = key
    return validated


def events_in_plain(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    """EventBatchInSerializer's validated events for a plainly valid batch, else None."""
    events = data.get("events")
    if type(events) is not list or not 0 < len(events) <= _BATCH_MAX:
        return None
    validated = []
    for item in events:
        event = event_in_plain(item)
        if event is None:
            return None
        validated.append(event)
    return validated


def _plain_text(value: Any, max_length: int) -> TypeGuard[str]:
    """Text that CharField keeps as it is: non-blank, no surrounding whitespace (which it
    would trim), within its length, ASCII (so no surrogates) and without NUL."""
    return (type(value) is str and 0 < len(value) <= max_length and value.isascii()
            and "\x00" not in value and value.strip() == value)


_MISSING = object()
