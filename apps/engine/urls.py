"""API routes under /api/v1/: runs, fan-outs, and the engine's views of a workflow
(counts, dry run, manual start)."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.engine.api import (
    FanoutViewSet,
    RunViewSet,
    WorkflowCountsApi,
    WorkflowDryRunApi,
    WorkflowFanoutsApi,
    WorkflowRunsApi,
)

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("runs", RunViewSet, basename="run")
router.register("fanouts", FanoutViewSet, basename="fanout")

_WORKFLOW = r"^workflows/(?P<workflow_id>[0-9]{1,18})"

urlpatterns = [
    re_path(rf"{_WORKFLOW}/counts/?$", WorkflowCountsApi.as_view(), name="workflow-counts"),
    re_path(rf"{_WORKFLOW}/dry-run/?$", WorkflowDryRunApi.as_view(), name="workflow-dry-run"),
    re_path(rf"{_WORKFLOW}/runs/?$", WorkflowRunsApi.as_view(), name="workflow-runs"),
    re_path(rf"{_WORKFLOW}/fanouts/?$", WorkflowFanoutsApi.as_view(), name="workflow-fanouts"),
    *router.urls,
]
