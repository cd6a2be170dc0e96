"""API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.tasks.api import TaskQueueViewSet, TaskSlaReportApi, TaskViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("tasks", TaskViewSet, basename="task")
router.register("task-queues", TaskQueueViewSet, basename="task-queue")

urlpatterns = [
    path("reports/task-sla", TaskSlaReportApi.as_view(), name="report-task-sla"),
    *router.urls,
]
