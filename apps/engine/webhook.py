"""The inbound webhook trigger: `POST /hooks/workflows/<workflow id>/<secret>` with a JSON
body starts a run of that workflow's webhook trigger (a block that declares
TriggerKind.WEBHOOK).

The secret in the URL is the credential (Workflow.webhook_secret, compared in constant
time). A wrong secret, an unknown workflow and a workflow that is not live all answer the
same bare 404, so the URL leaks nothing. The block's `receive` (the core block: its field
mapping) finds the customer id and the rest in the payload; the customer is upserted, the
call stored as a customer event of the type the block listens to (idempotent by the
`Idempotency-Key` header), and a run started with the block's entry key (event:<event
id>), in the same batched drain as every other
event's runs: the call's hand-off to the workers names this workflow, and the re-entry
policy and the active-run limit apply there as for any trigger. No Celery task per call.
Answer: 202 {"event_id"}.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import IdempotencyKeyReused
from apps.common.parsers import JSONParser
from apps.common.schema import BACKLOG_FULL, IDEMPOTENCY_KEY_REUSED
from apps.customers.ingest import EventIn, IdempotencyConflict, events_ingest
from apps.customers.models import EventSource
from apps.customers.serializers import CustomerWriteSerializer
from apps.customers.services import customer_upsert
from apps.engine.graph import compiled_version
from apps.engine.models import TriggerEntry, TriggerKind
from apps.handoff import BacklogThrottle
from apps.workflows.models import Workflow
from blocks.base import TriggerKind as StartKind
from blocks.base import TriggerPayloadError
from blocks.registry import block_find

MAX_BODY_BYTES = 256 * 1024
MAX_IDEMPOTENCY_KEY = 200
_DUMMY_SECRET = "x" * 43  # compared against when the workflow is unknown: same timing
_PROFILE_FIELDS = ("email", "phone", "first_name", "last_name")


class WebhookNotFound(exceptions.NotFound):
    """Unknown workflow, wrong secret, or not live: one answer for all three."""


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"Request body is larger than the limit of {MAX_BODY_BYTES} bytes."
    default_code = "too_large"


@dataclass(frozen=True)
class WebhookResult:
    event_id: int
    duplicate: bool


def webhook_url(workflow_id: int, secret: str, request: Any = None) -> str:
    path = reverse("engine-workflow-webhook", kwargs={"workflow_id": str(workflow_id),
                                                       "secret": secret})
    return request.build_absolute_uri(path) if request is not None else path


@dataclass(frozen=True)
class WebhookTarget:
    """The live webhook trigger a URL addresses: what the call needs to map its payload
    and to name the workflow its run starts in."""

    workflow_id: int
    version_id: int
    node_id: str


# The live trigger and the workflow's secret in one prepared statement on the kept
# connection (as the ingest statement is): through the ORM (a queryset with
# select_related, ordering and a model instance per row) this lookup was half of a
# webhook call's CPU in the web worker, about 1 ms. It stays a query, not a cache: a
# pause, an archive or a rollback must answer 404 from the next call on, in every process.
_TRIGGER_SQL = """
SELECT t.version_id, t.node_id, w.webhook_secret
FROM {entries} AS t JOIN {workflows} AS w ON w.id = t.workflow_id
WHERE t.workflow_id = %(workflow)s AND t.kind = %(kind)s
ORDER BY t.node_id LIMIT 1
"""


def webhook_trigger_find(workflow_id: str, secret: str) -> WebhookTarget:
    """The live webhook trigger this URL addresses, or WebhookNotFound."""
    row = _trigger_row(int(workflow_id)) \
        if workflow_id.isdigit() and len(workflow_id) <= 18 else None
    expected = row[2] if row is not None else _DUMMY_SECRET
    if not hmac.compare_digest(expected.encode(), secret.encode()) or row is None:
        raise WebhookNotFound()
    return WebhookTarget(int(workflow_id), row[0], row[1])


def _trigger_row(workflow_id: int) -> tuple[int, str, str] | None:
    """(version id, node id, secret) of the workflow's live webhook trigger, or None:
    one prepared statement on the connection itself (an ORM queryset took half the web
    CPU of a call), health-checked as Django's cursors are (apps/common/postgresql)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_trigger_sql(), {"workflow": workflow_id,
                                        "kind": TriggerKind.WEBHOOK.value}, prepare=True)
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row is not None else None


@cache
def _trigger_sql() -> str:
    quote = connection.ops.quote_name
    return _TRIGGER_SQL.format(entries=quote(TriggerEntry._meta.db_table),
                               workflows=quote(Workflow._meta.db_table))


def webhook_receive(entry: WebhookTarget, payload: Any, *,
                    idempotency_key: str | None = None) -> WebhookResult:
    """Map the payload, upsert the customer and store the event with its start target, in
    one transaction; the drain starts the run. ValidationError (400) names what is
    missing or malformed."""
    node = compiled_version(entry.version_id).nodes.get(entry.node_id)
    trigger = node.spec.trigger if node is not None and node.spec is not None else None
    config = node.config if node is not None else None
    if config is None or trigger is None or trigger.receive is None:
        raise WebhookNotFound()  # the published config no longer validates: not live
    try:
        mapped = trigger.receive(config, payload)
    except TriggerPayloadError as exc:
        raise exceptions.ValidationError({"customer_id": [str(exc)]}, code="required") from exc
    external_id = mapped["customer_id"]
    if len(external_id) > 255:
        raise exceptions.ValidationError({"customer_id": ["at most 255 characters"]})
    profile = {key: _text(mapped[key]) for key in _PROFILE_FIELDS if key in mapped}
    if mapped["attributes"]:
        profile["attributes"] = mapped["attributes"]
    validated: dict[str, Any] = {}
    if profile:
        serializer = CustomerWriteSerializer(data=profile)
        serializer.is_valid(raise_exception=True)
        validated = serializer.validated_data
    key = f"webhook:{entry.workflow_id}:{idempotency_key}" if idempotency_key else None
    event = EventIn(customer_external_id=external_id, type=trigger.event_type(config),
                    properties=mapped["properties"], idempotency_key=key,
                    start_workflow_id=entry.workflow_id)
    try:
        if not validated:  # one statement, its own transaction (events_ingest's short path)
            [result] = events_ingest([event], source=EventSource.API, refuse_conflicts=True)
        else:
            with transaction.atomic():  # a conflict rolls the profile upsert back too
                customer_upsert(external_id, validated, source="webhook")
                [result] = events_ingest([event], source=EventSource.API,
                                         refuse_conflicts=True)
    except IdempotencyConflict as exc:
        raise IdempotencyKeyReused(["Idempotency-Key"], _(
            "already used for a call that gave a different customer or event")) from exc
    return WebhookResult(result.event_id, result.duplicate)


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


# --- the view ---------------------------------------------------------------------------


class WebhookJSONParser(JSONParser):
    """The API's JSON parser with the webhook's own, smaller body limit. Takes any media
    type: the view checks Content-Type itself, after the secret (a 404 comes first)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: Mapping[str, Any] | None = None) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        return super().parse(io.BytesIO(raw), media_type, parser_context)


class WebhookAcceptedSerializer(serializers.Serializer[Any]):
    event_id = serializers.IntegerField(
        help_text="The customer event the call was stored as (the first call's for a "
                  "repeated Idempotency-Key). Its run starts moments later, with entry key "
                  "event:<event_id>, unless the re-entry policy or the active-run limit "
                  "refuses it.")


class WorkflowWebhookApi(APIView):
    """Public: the secret in the URL authenticates the caller."""

    authentication_classes: list[type[Any]] = []
    permission_classes = [AllowAny]
    parser_classes = [WebhookJSONParser]
    throttle_classes = [BacklogThrottle]  # 429 while the workers are far behind

    @extend_schema(
        operation_id="workflow_webhook",
        summary="Inbound webhook: start this workflow's webhook trigger",
        description="POST JSON to the URL shown on the workflow (`webhook_url`). The "
                    "trigger's field mapping finds the customer id (required) and other "
                    "values; the call becomes a customer event and starts a run moments "
                    "later (202: accepted, not yet run). Send an "
                    "`Idempotency-Key` header to make retries safe. A wrong secret or a "
                    f"workflow that is not published answers 404. Body limit "
                    f"{MAX_BODY_BYTES} bytes.",
        auth=[],
        parameters=[
            OpenApiParameter("workflow_id", int, OpenApiParameter.PATH),
            OpenApiParameter("secret", str, OpenApiParameter.PATH),
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False),
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={202: WebhookAcceptedSerializer, 422: IDEMPOTENCY_KEY_REUSED,
                   429: BACKLOG_FULL},
        tags=["webhooks"],
    )
    def post(self, request: Request, workflow_id: str, secret: str) -> Response:
        entry = webhook_trigger_find(workflow_id, secret)
        media = (request.content_type or "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise exceptions.UnsupportedMediaType(
                media, detail=f"Content-Type {media or '(none)'} is not supported; send "
                              "application/json.")
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [f"at most {MAX_IDEMPOTENCY_KEY} characters"]})
        result = webhook_receive(entry, request.data, idempotency_key=key)
        return Response({"event_id": result.event_id}, status=status.HTTP_202_ACCEPTED)


def workflow_has_webhook(graph: Any) -> bool:
    """Whether the graph has a webhook trigger (so the workflow shows its inbound URL)."""
    for node in (graph or {}).get("nodes") or []:
        spec = block_find(str(node.get("type", ""))) if isinstance(node, dict) else None
        if spec is not None and spec.trigger is not None \
                and spec.trigger.kind == StartKind.WEBHOOK:
            return True
    return False

