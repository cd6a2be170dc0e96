"""Back-office views of the engine's tables: read-only. Runs change through the
interpreter and the API's services (cancel, retry), never by editing rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from apps.engine.models import NodeCount, Run, Step, TriggerEntry, Wait

STEPS_INLINE_LIMIT = 100

# The admin's classes are generic to the type checker only (not subscriptable at run time).
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _StepsInline = admin.TabularInline[Step, Run]
    _StepsFormSet = BaseInlineFormSet[Step, Run, Any]
else:
    _ModelAdmin, _StepsInline, _StepsFormSet = (admin.ModelAdmin, admin.TabularInline,
                                                BaseInlineFormSet)


class ReadOnlyAdmin(_ModelAdmin):
    show_full_result_count = False  # no COUNT(*) over millions of rows per page view

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _FirstStepsFormSet(_StepsFormSet):
    """Only the first STEPS_INLINE_LIMIT steps: a looping run can have thousands."""

    def get_queryset(self) -> QuerySet[Step]:
        if not hasattr(self, "_limited"):
            self._limited = super().get_queryset()[:STEPS_INLINE_LIMIT]
        return self._limited


class StepInline(_StepsInline):
    model = Step
    formset = _FirstStepsFormSet
    fields = readonly_fields = ("node_id", "block_type", "visit", "outcome", "port", "error",
                                "started_at", "duration_us", "detail")
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = f"steps (the first {STEPS_INLINE_LIMIT})"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ["id", "workflow", "customer", "state", "trigger_node", "step_count",
                    "created_at", "ended_at"]
    list_filter = ["state"]
    list_select_related = ["workflow", "customer"]
    search_fields = ["=id", "customer__external_id", "entry_key"]
    inlines = [StepInline]
    fields = readonly_fields = (
        "workflow", "version", "customer", "trigger_node", "trigger_event", "entry_key",
        "state", "frontier", "visits", "variables", "attempts", "error", "failed_node",
        "exit_reason", "step_count", "open_waits", "created_at", "updated_at", "enqueued_at",
        "ended_at")


@admin.register(Wait)
class WaitAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "node_id", "kind", "wake_at", "event_type", "fired_at"]
    list_filter = ["kind"]
    search_fields = ["=run__id", "node_id", "event_type"]
    raw_id_fields = ["run"]


@admin.register(TriggerEntry)
class TriggerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "workflow", "node_id", "kind", "event_type", "version"]
    list_filter = ["kind"]
    list_select_related = ["workflow", "version"]
    search_fields = ["event_type", "workflow__name"]


@admin.register(NodeCount)
class NodeCountAdmin(ReadOnlyAdmin):
    list_display = ["workflow", "node_id", "key", "shard", "count"]
    list_select_related = ["workflow"]
    search_fields = ["workflow__name", "node_id", "key"]
