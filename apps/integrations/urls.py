"""API routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from apps.integrations.api import CredentialViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("credentials", CredentialViewSet, basename="credential")

urlpatterns = router.urls
