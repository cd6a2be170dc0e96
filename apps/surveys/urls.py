"""API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.surveys.api import ExitReasonsReportApi, ExitReasonViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("exit-reasons", ExitReasonViewSet, basename="exit-reason")

urlpatterns = [
    path("reports/exit-reasons", ExitReasonsReportApi.as_view(), name="report-exit-reasons"),
    *router.urls,
]
