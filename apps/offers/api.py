"""REST API of offers (read-only: workflows create them)."""

from rest_framework import mixins, viewsets

from apps.offers.filters import OfferFilter
from apps.offers.models import Offer
from apps.offers.serializers import OfferSerializer


class OfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Discount codes and reactivation links created by workflows, newest first."""

    queryset = Offer.objects.select_related("customer")
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    lookup_value_regex = "[0-9]{1,18}"
