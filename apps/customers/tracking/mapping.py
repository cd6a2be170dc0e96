"""From a Segment message to Keepflow: which customer, which event, which profile change.

Pure functions over validated messages (see serializers.py); docs/tracking.md has the
table. Every message type becomes an event, so the messageId de-duplicates all of them
and the customer's timeline shows identify and group calls too.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rest_framework import serializers

from apps.customers.ingest import EventIn
from apps.customers.serializers import CustomerWriteSerializer

ANONYMOUS_PREFIX = "anon:"
IDEMPOTENCY_PREFIX = "segment:"
EVENT_TYPES = {
    "identify": "identify",
    "page": "page.viewed",
    "screen": "screen.viewed",
    "group": "group",
    "alias": "customer.aliased",
}
# What of Segment's context is worth keeping with an event; the rest (library internals,
# screen sizes, network, traits repeated from identify) is dropped to keep events small.
CONTEXT_KEYS = ("app", "campaign", "device", "ip", "library", "locale", "location", "os",
                "page", "referrer", "timezone", "userAgent")
# Profile field <- traits, first one present wins.
PROFILE_TRAITS = {
    "email": ("email",),
    "phone": ("phone",),
    "first_name": ("firstName", "first_name"),
    "last_name": ("lastName", "last_name"),
    "timezone": ("timezone",),
    "locale": ("locale",),
}
_CONSUMED_TRAITS = frozenset({"name", *(t for names in PROFILE_TRAITS.values() for t in names)})


@dataclass(frozen=True)
class MappedMessage:
    event: EventIn
    profile: dict[str, Any] | None  # validated CustomerWriteSerializer data, or no change


def external_id(message: dict[str, Any]) -> str:
    return message.get("userId") or f"{ANONYMOUS_PREFIX}{message['anonymousId']}"


def message_map(
    kind: str, message: dict[str, Any], *, received_at: datetime,
    defaults: dict[str, Any] | None = None, validator: CustomerWriteSerializer | None = None,
) -> MappedMessage:
    """`defaults` are the batch envelope's `context` and `sentAt`; `validator` checks
    identify traits (pass one to reuse it across a batch)."""
    defaults = defaults or {}
    context = {**(defaults.get("context") or {}), **(message.get("context") or {})}
    profile: dict[str, Any] | None = None
    if kind == "identify":
        traits = message.get("traits") or {}
        profile, invalid = identify_profile(traits, context, validator)
        properties: dict[str, Any] = {"traits": traits}
        if invalid:
            properties["invalid_traits"] = invalid
    elif kind == "track":
        properties = dict(message.get("properties") or {})
    elif kind in ("page", "screen"):
        properties = dict(message.get("properties") or {})
        properties.update({key: message[key] for key in ("name", "category")
                           if message.get(key)})
    elif kind == "group":
        traits = message.get("traits") or {}
        properties = {"group_id": message["groupId"], "traits": traits}
        profile = {"attributes": {"group": {**traits, "id": message["groupId"]}}}
    else:  # alias
        properties = {"previous_id": message["previousId"]}
    kept = slim_context(context, message)
    if kept:
        properties.setdefault("context", kept)
    message_id = message.get("messageId")
    event = EventIn(
        customer_external_id=external_id(message),
        type=message["event"] if kind == "track" else EVENT_TYPES[kind],
        properties=properties,
        occurred_at=occurred_at(message, defaults.get("sentAt"), received_at),
        idempotency_key=f"{IDEMPOTENCY_PREFIX}{message_id}" if message_id else None,
    )
    return MappedMessage(event=event, profile=profile)


def occurred_at(message: dict[str, Any], batch_sent_at: datetime | None,
                received_at: datetime) -> datetime:
    """Segment's rule: an explicit `timestamp` is used as sent; otherwise the client's
    `originalTimestamp` is shifted by the client's clock error, receivedAt - sentAt."""
    if message.get("timestamp"):
        return message["timestamp"]
    original = message.get("originalTimestamp")
    if original is None:
        return received_at
    sent_at = message.get("sentAt") or batch_sent_at
    if sent_at is None:
        return original
    try:
        return received_at - (sent_at - original)
    except OverflowError:
        return original


def slim_context(context: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    kept = {key: context[key] for key in CONTEXT_KEYS if context.get(key) not in (None, "")}
    if message.get("userId") and message.get("anonymousId"):
        # The link a later merge of anonymous history needs.
        kept["anonymousId"] = message["anonymousId"]
    return kept


def identify_profile(
    traits: dict[str, Any], context: dict[str, Any],
    validator: CustomerWriteSerializer | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(validated profile data, {trait: reason} for traits that failed validation).

    A trait that fails its profile field's check (say an invalid phone) does not fail the
    identify: its raw value is kept in attributes under the trait's name and the reason is
    returned, to be recorded on the identify event."""
    profile: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for field, names in PROFILE_TRAITS.items():
        name = next((n for n in names if n in traits), None)
        if name is not None:
            value = traits[name]
            if value is None and field == "timezone":
                continue
            profile[field], sources[field] = ("" if value is None else value), name
    if isinstance(traits.get("name"), str) and traits["name"].strip():
        first, _, last = traits["name"].strip().partition(" ")
        for field, value in (("first_name", first), ("last_name", last.strip())):
            if value and field not in profile:
                profile[field], sources[field] = value, "name"
    for field, key in (("timezone", "timezone"), ("locale", "locale")):
        if field not in profile and isinstance(context.get(key), str) and context[key]:
            profile[field], sources[field] = context[key], f"context.{key}"
    attributes = {k: v for k, v in traits.items() if k not in _CONSUMED_TRAITS}
    if attributes:
        profile["attributes"] = attributes
    return _profile_validate(profile, sources, traits, validator or CustomerWriteSerializer())


def _profile_validate(
    profile: dict[str, Any], sources: dict[str, str], traits: dict[str, Any],
    validator: CustomerWriteSerializer,
) -> tuple[dict[str, Any], dict[str, str]]:
    invalid: dict[str, str] = {}
    try:
        return dict(validator.run_validation(profile)), invalid
    except serializers.ValidationError as exc:
        errors = exc.detail
    for field, messages in errors.items():
        source = sources.get(field, field)
        invalid[source] = str(messages[0]) if isinstance(messages, list) else str(messages)
        profile.pop(field, None)
        if source in traits:
            profile.setdefault("attributes", {})[source] = traits[source]
    # Only the fields that passed remain.
    return dict(validator.run_validation(profile)), invalid
