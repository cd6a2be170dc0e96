"""GET /api/v1/workflows/{id}/report (READ): the workflow's proof of effect."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reports.dashboard import retention_dashboard
from apps.reports.retention import retention_report, rule_default
from apps.reports.selectors import workflow_report
from apps.reports.serializers import (
    ReportQuerySerializer,
    RetentionDashboardQuerySerializer,
    RetentionDashboardSerializer,
    RetentionQuerySerializer,
    RetentionReportSerializer,
    WorkflowReportSerializer,
)
from apps.workflows.models import Workflow


class WorkflowReportApi(APIView):
    """Treated customers against the control group: conversions to the workflow's goal,
    the lift with its 95 % interval and p-value, the value added, and a verdict in plain
    words; overall and per version."""

    @extend_schema(
        parameters=[OpenApiParameter("workflow_id", int, OpenApiParameter.PATH),
                    ReportQuerySerializer],
        responses=WorkflowReportSerializer, operation_id="workflows_report", tags=["workflows"])
    def get(self, request: Request, workflow_id: str) -> Response:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            workflow = Workflow.objects.select_related("published_version") \
                .get(pk=int(workflow_id))
        except Workflow.DoesNotExist as exc:
            raise NotFound() from exc
        report = workflow_report(workflow, query.validated_data["from"],
                                 query.validated_data["to"])
        return Response(WorkflowReportSerializer(report).data)


class RetentionReportApi(APIView):
    """Retention and churn over a period, overall or in a segment, with a monthly series
    and cohorts by month of first purchase (docs/reports.md#retention-and-churn)."""

    @extend_schema(parameters=[RetentionQuerySerializer], responses=RetentionReportSerializer,
                   operation_id="reports_retention", tags=["reports"])
    def get(self, request: Request) -> Response:
        query = RetentionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        rule = rule_default(data["definition"], k=data.get("k"), p=data.get("p"))
        report = retention_report(data["from"], data["to"] + timedelta(days=1), rule,
                                  data.get("segment"))
        report["to"] = data["to"]
        return Response(RetentionReportSerializer(report).data)


class RetentionDashboardApi(APIView):
    """The dashboard's retention: the last twelve months and this one so far, per month,
    with the cohorts, from a snapshot kept fresh by a beat task (`as_of` says when it
    was computed; docs/reports.md#on-the-dashboard)."""

    @extend_schema(parameters=[RetentionDashboardQuerySerializer],
                   responses=RetentionDashboardSerializer,
                   operation_id="reports_retention_dashboard", tags=["reports"])
    def get(self, request: Request) -> Response:
        query = RetentionDashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(retention_dashboard(data["definition"], data.get("segment")))
