"""API routes under /api/v1/."""

from rest_framework.routers import SimpleRouter

from apps.offers.api import OfferViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("offers", OfferViewSet, basename="offer")

urlpatterns = router.urls
