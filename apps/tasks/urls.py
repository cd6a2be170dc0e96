"""API routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from apps.tasks.api import TaskViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
