"""REST API: the exit reasons (admins write, READ reads) and the exit-reasons report."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from apps.accounts.capabilities import Capability
from apps.surveys.models import ExitReason
from apps.surveys.selectors import exit_reasons_report
from apps.surveys.serializers import (
    ExitReasonReorderSerializer,
    ExitReasonSerializer,
    ExitReasonsQuerySerializer,
    ExitReasonsReportSerializer,
)
from apps.surveys.services import exit_reason_create, exit_reason_update, exit_reasons_reorder


class ExitReasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        viewsets.GenericViewSet):
    """The reasons the exit survey offers, in their order. Deactivate instead of deleting:
    answers and events keep naming a reason's code."""

    queryset = ExitReason.objects.order_by("position", "id")
    serializer_class = ExitReasonSerializer
    pagination_class = None  # a short list, shown and reordered whole
    lookup_value_regex = "[0-9]{1,18}"
    capabilities = {"create": Capability.SURVEYS_MANAGE, "update": Capability.SURVEYS_MANAGE,
                    "partial_update": Capability.SURVEYS_MANAGE,
                    "reorder": Capability.SURVEYS_MANAGE}

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = exit_reason_create(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "code"}
        serializer.instance = exit_reason_update(serializer.instance, **data)

    @extend_schema(request=ExitReasonReorderSerializer,
                   responses=ExitReasonSerializer(many=True))
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        """Put the reasons in this order (codes not named follow, in their order)."""
        body = ExitReasonReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reasons = exit_reasons_reorder(body.validated_data["codes"])
        return Response(ExitReasonSerializer(reasons, many=True).data)


class ExitReasonsReportApi(APIView):
    """Exit-survey answers per reason and period, with sends and the response rate."""

    @extend_schema(parameters=[
        OpenApiParameter("from", str, description="First day, YYYY-MM-DD (UTC); default 90 "
                         "days before `to`."),
        OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (UTC); default today."),
        OpenApiParameter("period", str, enum=["week", "month"], description="Default week."),
        OpenApiParameter("segment", int, description="Only customers now in this segment."),
    ], responses=ExitReasonsReportSerializer, operation_id="reports_exit_reasons",
        tags=["reports"])
    def get(self, request: Request) -> Response:
        query = ExitReasonsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = exit_reasons_report(first=data["from"], last=data["to"],
                                     period=data["period"], segment=data.get("segment"))
        return Response(ExitReasonsReportSerializer(report).data)
