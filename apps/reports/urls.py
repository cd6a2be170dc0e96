from django.urls import path, re_path

from apps.reports.api import RetentionDashboardApi, RetentionReportApi, WorkflowReportApi

urlpatterns = [
    re_path(r"^workflows/(?P<workflow_id>[0-9]{1,18})/report/?$", WorkflowReportApi.as_view(),
            name="workflow-report"),
    path("reports/retention", RetentionReportApi.as_view(), name="report-retention"),
    path("reports/retention/dashboard", RetentionDashboardApi.as_view(),
         name="report-retention-dashboard"),
]
