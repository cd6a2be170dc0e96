"""The message shapes of Segment's HTTP Tracking API (and RudderStack's, which copies it).

Field names stay camelCase as the SDKs send them. Unknown fields are ignored, as Segment
does. One serializer per message type; the batch dispatches on each message's `type`.
"""

import json
import threading
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

MESSAGE_TYPES = ("identify", "track", "page", "screen", "group", "alias")
MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024


def _id_field(help_text: str, *, required: bool = False, max_length: int = 255) -> Any:
    # CharField also accepts numbers (converted to text), as Segment does for ids.
    return serializers.CharField(required=required, allow_null=not required,
                                 allow_blank=not required, max_length=max_length,
                                 help_text=help_text)


def _object_field(help_text: str) -> serializers.DictField:
    return serializers.DictField(required=False, allow_null=True, help_text=help_text)


class TrackingMessageSerializer(serializers.Serializer):
    """Fields every message has (Segment's "common fields")."""

    userId = _id_field("Your id for the customer (becomes the external id).")
    anonymousId = _id_field("Used when there is no userId: the customer's external id is "
                            "`anon:<anonymousId>`.", max_length=250)
    messageId = _id_field("Unique per message: a repeated messageId is stored once.",
                          max_length=200)
    timestamp = serializers.DateTimeField(required=False, allow_null=True,
                                          help_text="When it happened; default: now.")
    originalTimestamp = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="Client clock time; corrected with sentAt when timestamp is absent.")
    sentAt = serializers.DateTimeField(required=False, allow_null=True)
    context = _object_field("ip, userAgent, page, campaign, locale, timezone, ...")
    integrations = _object_field("Accepted and ignored.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("userId") and not attrs.get("anonymousId"):
            raise serializers.ValidationError(
                {"userId": [serializers.ErrorDetail("userId or anonymousId is required",
                                                    code="required")]}
            )
        return attrs


class TrackingIdentifySerializer(TrackingMessageSerializer):
    type = serializers.ChoiceField(choices=["identify"], required=False)
    traits = _object_field("email, phone, firstName, lastName, name, ...; other traits "
                           "merge into the customer's attributes.")


class TrackingTrackSerializer(TrackingMessageSerializer):
    type = serializers.ChoiceField(choices=["track"], required=False)
    event = serializers.CharField(max_length=100, help_text="The event name, e.g. "
                                  "'Order Completed'; stored as the event type.")
    properties = _object_field("The event's properties.")


class TrackingPageSerializer(TrackingMessageSerializer):
    type = serializers.ChoiceField(choices=["page"], required=False)
    name = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                 max_length=200)
    category = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                     max_length=200)
    properties = _object_field("url, path, title, referrer, ...")


class TrackingScreenSerializer(TrackingPageSerializer):
    type = serializers.ChoiceField(choices=["screen"], required=False)


class TrackingGroupSerializer(TrackingMessageSerializer):
    type = serializers.ChoiceField(choices=["group"], required=False)
    groupId = _id_field("The account, company or organisation.", required=True)
    traits = _object_field("The group's traits.")


class TrackingAliasSerializer(TrackingMessageSerializer):
    type = serializers.ChoiceField(choices=["alias"], required=False)
    userId = _id_field("The new id.", required=True)
    previousId = _id_field("The id the customer had before.", required=True)


SERIALIZERS: dict[str, type[TrackingMessageSerializer]] = {
    "identify": TrackingIdentifySerializer,
    "track": TrackingTrackSerializer,
    "page": TrackingPageSerializer,
    "screen": TrackingScreenSerializer,
    "group": TrackingGroupSerializer,
    "alias": TrackingAliasSerializer,
}


class TrackingBatchEnvelopeSerializer(serializers.Serializer):
    """The envelope of /v1/batch. `context` applies to every message (a message's own
    keys win); `writeKey` in the body is ignored: send it as Basic auth."""

    context = _object_field("Defaults for every message's context.")
    integrations = _object_field("Accepted and ignored.")
    sentAt = serializers.DateTimeField(required=False, allow_null=True)


class TrackingBatchSerializer(TrackingBatchEnvelopeSerializer):
    """Request body of /v1/batch (for the schema; validation is `batch_validate`)."""

    batch = PolymorphicProxySerializer(
        component_name="TrackingMessage",
        serializers=dict(SERIALIZERS),
        resource_type_field_name="type",
        many=True,
    )


class TrackingSuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()


def message_validate(kind: str, data: Any) -> dict[str, Any]:
    """One message of this type, validated (raises ValidationError naming the field)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": ["expected a JSON object"]})
    try:
        return dict(_validator(kind).run_validation(data))
    except serializers.ValidationError:
        pass  # a fresh serializer below gives the answer exactly as before
    serializer = SERIALIZERS[kind](data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


_validators = threading.local()


def _validator(kind: str) -> TrackingMessageSerializer:
    """This thread's serializer for the type, its fields bound once: a new serializer
    deep-copies its declared fields, a fifth of a /v1/track call's CPU. Validating keeps
    no state on it (batch_validate uses one for a whole batch the same way)."""
    kept: dict[str, TrackingMessageSerializer] | None = getattr(_validators, "by_kind", None)
    if kept is None:
        kept = _validators.by_kind = {}
    if kind not in kept:
        kept[kind] = SERIALIZERS[kind]()
    return kept[kind]


def batch_validate(data: Any) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """([(type, validated message)], envelope) of a /v1/batch body. Every message is
    checked and all errors are reported, as `batch.<index>.<field>`; one bad message
    rejects the batch, so a batch is stored whole or not at all."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"body": ["expected a JSON object with `batch`"]})
    envelope = _envelope_validate(data)
    items = data.get("batch")
    if not isinstance(items, list):
        raise serializers.ValidationError({"batch": [serializers.ErrorDetail(
            "a list of messages is required", code="required" if items is None else "invalid")]})
    messages: list[tuple[str, dict[str, Any]]] = []
    errors: dict[str, Any] = {}
    # One serializer per type for the whole batch: binding fields costs more than a message.
    validators = {kind: serializer_class() for kind, serializer_class in SERIALIZERS.items()}
    for index, item in enumerate(items):
        problem = _batch_item_problem(item)
        if problem:
            errors[str(index)] = problem
            continue
        try:
            messages.append((item["type"], dict(validators[item["type"]].run_validation(item))))
        except serializers.ValidationError as exc:
            errors[str(index)] = exc.detail
    if errors:
        raise serializers.ValidationError({"batch": errors})
    return messages, envelope


def _envelope_validate(data: dict[str, Any]) -> dict[str, Any]:
    serializer = TrackingBatchEnvelopeSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _batch_item_problem(item: Any) -> dict[str, list[Any]] | None:
    if not isinstance(item, dict):
        return {"": ["expected a JSON object"]}
    kind = item.get("type")
    if not isinstance(kind, str) or kind not in SERIALIZERS:
        return {"type": [serializers.ErrorDetail(
            f"one of {', '.join(MESSAGE_TYPES)} is required",
            code="required" if kind is None else "invalid_choice")]}
    if len(json.dumps(item).encode()) > MAX_MESSAGE_BYTES:
        return {"": [serializers.ErrorDetail(
            f"message larger than {MAX_MESSAGE_BYTES} bytes", code="too_large")]}
    return None
