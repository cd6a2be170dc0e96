from django.contrib import admin

from apps.offers.models import Offer


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["code", "customer", "kind", "value", "currency", "expires_at",
                    "click_count", "redeemed_at"]
    list_filter = ["kind"]
    search_fields = ["code", "customer__external_id", "idempotency_key"]
    raw_id_fields = ["customer"]
    readonly_fields = ["idempotency_key", "run_id", "workflow_id", "node_id", "clicked_at",
                       "click_count", "redeemed_at", "redeemed_event_id", "created_at"]
