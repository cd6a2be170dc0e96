from django.contrib import admin
from django.http import HttpRequest

from apps.messaging.models import Message, Suppression


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel", "category", "status", "reason", "provider",
                    "attempts", "created_at"]
    list_filter = ["status", "channel", "category", "reason", "provider"]
    search_fields = ["customer__external_id", "to", "provider_message_id", "idempotency_key"]
    raw_id_fields = ["customer"]
    date_hierarchy = "created_at"
    # The lifecycle moves through services (webhooks, the delivery task, the API's
    # resend / fail), never by hand.
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["channel", "address", "reason", "created_at"]
    list_filter = ["channel", "reason"]
    search_fields = ["address"]
