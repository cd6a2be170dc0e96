from django.contrib import admin

from apps.surveys.models import ExitReason, ExitSurvey


@admin.register(ExitReason)
class ExitReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label_en", "label_de", "label_ru", "position", "active"]
    list_editable = ["position", "active"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(ExitSurvey)
class ExitSurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel", "created_at", "expires_at", "answered_at",
                    "reason_code"]
    list_filter = ["channel", "reason_code"]
    search_fields = ["customer__external_id", "idempotency_key"]
    raw_id_fields = ["customer"]
    readonly_fields = ["idempotency_key", "run_id", "workflow_id", "node_id", "created_at",
                       "answered_at", "reason_code", "free_text", "answer_event_id"]
