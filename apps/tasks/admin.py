from django.contrib import admin

from apps.tasks.models import Task, TaskQueue


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "kind", "queue", "priority", "state", "assignee",
                    "due_at", "outcome"]
    list_filter = ["state", "kind", "queue", "priority", "outcome"]
    search_fields = ["title", "customer__external_id", "idempotency_key"]
    raw_id_fields = ["customer", "assignee", "closed_by"]
    readonly_fields = ["state", "requested_due_at", "idempotency_key", "run_id", "workflow_id",
                       "node_id", "claimed_at", "closed_at", "closed_by", "created_at",
                       "updated_at"]
    date_hierarchy = "due_at"


@admin.register(TaskQueue)
class TaskQueueAdmin(admin.ModelAdmin):
    list_display = ["name", "timezone", "weekdays", "opens", "closes", "response_target_minutes"]
    search_fields = ["name"]
