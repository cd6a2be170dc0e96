from rest_framework import serializers

from apps.offers.models import Offer
from apps.offers.services import offer_link


class OfferSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.external_id", read_only=True)
    link = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = ["id", "customer", "code", "kind", "value", "currency", "expires_at",
                  "target_url", "link", "clicked_at", "click_count", "redeemed_at", "run_id",
                  "workflow_id", "node_id", "created_at"]
        read_only_fields = fields

    def get_link(self, offer: Offer) -> str:
        return offer_link(offer)
