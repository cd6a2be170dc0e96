from django.urls import re_path

from apps.reports.api import WorkflowReportApi

urlpatterns = [
    re_path(r"^workflows/(?P<workflow_id>[0-9]{1,18})/report/?$", WorkflowReportApi.as_view(),
            name="workflow-report"),
]
