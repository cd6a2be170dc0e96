"""Messages (read, plus the operator's resend / fail for a message in reconcile) and the
suppression list."""

from django.db import IntegrityError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.capabilities import Capability
from apps.common.errors import Conflict
from apps.messaging import services
from apps.messaging.filters import MessageFilter, SuppressionFilter
from apps.messaging.models import Message, Suppression
from apps.messaging.serializers import (
    MessageDetailSerializer,
    MessageFailSerializer,
    MessageSerializer,
    SuppressionSerializer,
)


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """The outbox: every message a workflow asked for, with its status and, when a
    guardrail stopped or delayed it, the reason."""

    queryset = Message.objects.select_related("customer")
    filterset_class = MessageFilter
    capabilities = {"resend": Capability.MESSAGES_MANAGE, "fail": Capability.MESSAGES_MANAGE}

    def get_serializer_class(self):
        if self.action == "fail":
            return MessageFailSerializer
        return MessageDetailSerializer if self.action == "retrieve" else MessageSerializer

    @extend_schema(request=None, responses={200: MessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str) -> Response:
        """Send a message in reconcile again, after checking the provider did not send it."""
        try:
            message = services.message_resend(self.get_object())
        except services.MessagingError as err:
            raise Conflict(str(err)) from err
        return Response(MessageDetailSerializer(message).data)

    @extend_schema(request=MessageFailSerializer, responses={200: MessageDetailSerializer})
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str) -> Response:
        """Close a message in reconcile (or still queued) as failed."""
        body = MessageFailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            message = services.message_give_up(self.get_object(),
                                               note=body.validated_data["note"])
        except services.MessagingError as err:
            raise Conflict(str(err)) from err
        return Response(MessageDetailSerializer(message).data)


class SuppressionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                         mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Addresses no message may go to (hard bounces and spam reports land here too)."""

    queryset = Suppression.objects.all()
    serializer_class = SuppressionSerializer
    filterset_class = SuppressionFilter
    capabilities = {"create": Capability.MESSAGES_MANAGE,
                    "destroy": Capability.MESSAGES_MANAGE}

    def create(self, request: Request) -> Response:
        body = SuppressionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            entry = services.suppression_add(data["channel"], data["address"],
                                             data.get("reason") or "manual")
        except IntegrityError as err:  # pragma: no cover - a concurrent identical insert
            raise Conflict("This address is already suppressed.") from err
        return Response(SuppressionSerializer(entry).data, status=status.HTTP_201_CREATED)
