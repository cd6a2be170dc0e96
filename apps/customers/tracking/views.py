"""Segment-compatible endpoints under /v1/: point a Segment or RudderStack SDK's host at
Keepflow and use an API key with the events:write scope as its write key."""

from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import ApiKeyAuthentication, WriteKeyBasicAuthentication
from apps.accounts.capabilities import Capability
from apps.common.schema import BACKLOG_FULL
from apps.customers.tracking.parsers import PayloadTooLarge, TrackingJSONParser
from apps.customers.tracking.serializers import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    SERIALIZERS,
    TrackingBatchSerializer,
    TrackingSuccessSerializer,
    batch_validate,
    message_validate,
)
from apps.customers.tracking.services import tracking_messages_store
from apps.handoff import BacklogThrottle

_PROFILE_KINDS = frozenset({"identify", "group"})


class TrackingApi(APIView):
    """Base: write-key auth, Segment's size limits, Segment's answers."""

    authentication_classes = [WriteKeyBasicAuthentication, ApiKeyAuthentication]
    parser_classes = [TrackingJSONParser]
    capabilities: ClassVar[dict[str, Capability]] = {"POST": Capability.EVENTS_WRITE}
    throttle_classes = [BacklogThrottle]  # 429 while the workers are far behind
    max_body_bytes = MAX_MESSAGE_BYTES

    def messages(self, data: Any) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        received_at = timezone.now()
        messages, defaults = self.messages(request.data)
        if (any(kind in _PROFILE_KINDS for kind, _ in messages)
                and Capability.CUSTOMERS_WRITE not in request.user.capabilities):
            raise exceptions.PermissionDenied("identify and group need customers.write.")
        tracking_messages_store(messages, received_at=received_at, defaults=defaults)
        return Response({"success": True})

    def handle_exception(self, exc: Exception) -> Response:
        """Keepflow's error shape plus the `code` and `message` keys that the Segment SDKs
        read from an error answer (they log them)."""
        response = super().handle_exception(exc)
        data = response.data
        if isinstance(data, dict) and "detail" in data:
            if isinstance(exc, PayloadTooLarge):
                data["errors"] = [{"field": "body", "code": "too_large",
                                   "message": str(data["detail"])}]
            first = (data.get("errors") or [{}])[0]
            data.update(success=False, message=str(data["detail"]),
                        code=first.get("code") or getattr(exc, "default_code", "error"))
        return response


class SingleMessageApi(TrackingApi):
    kind: ClassVar[str]

    def messages(self, data: Any) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
        return [(self.kind, message_validate(self.kind, data))], {}


def _schema(kind: str) -> Any:
    return extend_schema_view(post=extend_schema(
        request={"application/json": SERIALIZERS[kind]},
        responses={200: TrackingSuccessSerializer, 429: BACKLOG_FULL},
        operation_id=f"tracking_{kind}", tags=["tracking"],
        auth=[{"WriteKey": []}, {"ApiKey": []}],
        description=f"Segment `{kind}` call (at most {MAX_MESSAGE_BYTES} bytes). "
        "Answers `{\"success\": true}`; see docs/tracking.md for the mapping.",
    ))


@_schema("identify")
class TrackingIdentifyApi(SingleMessageApi):
    kind = "identify"


@_schema("track")
class TrackingTrackApi(SingleMessageApi):
    kind = "track"


@_schema("page")
class TrackingPageApi(SingleMessageApi):
    kind = "page"


@_schema("screen")
class TrackingScreenApi(SingleMessageApi):
    kind = "screen"


@_schema("group")
class TrackingGroupApi(SingleMessageApi):
    kind = "group"


@_schema("alias")
class TrackingAliasApi(SingleMessageApi):
    kind = "alias"


class TrackingBatchApi(TrackingApi):
    """POST /v1/batch: what the SDKs send. Stored whole or, if any message is invalid,
    not at all (400 naming `batch.<index>.<field>`)."""

    max_body_bytes = MAX_BATCH_BYTES

    def messages(self, data: Any) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
        return batch_validate(data)

    @extend_schema(request={"application/json": TrackingBatchSerializer},
                   responses={200: TrackingSuccessSerializer, 429: BACKLOG_FULL},
                   operation_id="tracking_batch", tags=["tracking"],
                   auth=[{"WriteKey": []}, {"ApiKey": []}],
                   description=f"Many calls at once (at most {MAX_BATCH_BYTES} bytes, each "
                   f"message at most {MAX_MESSAGE_BYTES}).")
    def post(self, request: Request) -> Response:
        return super().post(request)
