"""API routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from apps.messaging.api import MessageViewSet, SuppressionViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("messages", MessageViewSet, basename="message")
router.register("suppressions", SuppressionViewSet, basename="suppression")

urlpatterns = router.urls
