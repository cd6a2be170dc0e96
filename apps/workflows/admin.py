"""Back-office views. States are FSM-protected: they change only through the actions
here (which call the services), never by editing the field."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.workflows import block_templates, services
from apps.workflows.errors import WorkflowError
from apps.workflows.models import (
    BlockTemplate,
    BlockTemplateState,
    BlockTemplateVersion,
    Workflow,
    WorkflowTestCase,
    WorkflowVersion,
)
from apps.workflows.schemas import graph_structure_check, settings_check


def _each(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet,
          call: Any) -> None:
    for obj in queryset:
        try:
            call(obj)
        except WorkflowError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)


class WorkflowVersionInline(admin.TabularInline):
    model = WorkflowVersion
    fields = ["number", "note", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkflowTestCaseInline(admin.StackedInline):
    model = WorkflowTestCase
    fields = ["name", "given", "expect", "last_run_at"]
    readonly_fields = ["last_run_at"]
    extra = 0


class WorkflowAdminForm(forms.ModelForm):
    """The same structure and settings checks as the API, so the admin cannot store a
    draft the canvas and the engine would choke on."""

    class Meta:
        model = Workflow
        fields = ["name", "description", "starter_key", "draft_graph", "draft_settings"]

    def clean_draft_graph(self) -> Any:
        graph, errors = graph_structure_check(self.cleaned_data.get("draft_graph"))
        if errors:
            raise forms.ValidationError([f"{e['field']}: {e['message']}" for e in errors])
        return graph

    def clean_draft_settings(self) -> Any:
        settings, errors = settings_check(self.cleaned_data.get("draft_settings"))
        if errors:
            raise forms.ValidationError([f"{e['field']}: {e['message']}" for e in errors])
        return settings


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowAdminForm
    list_display = ["name", "state", "published_version", "draft_revision", "updated_at",
                    "updated_by"]
    list_filter = ["state"]
    search_fields = ["name", "description", "starter_key"]
    readonly_fields = ["state", "draft_revision", "draft_digest", "published_version",
                       "published_at", "created_by", "updated_by", "created_at", "updated_at"]
    fields = ["name", "description", "starter_key", "draft_graph", "draft_settings",
              *readonly_fields]
    inlines = [WorkflowVersionInline, WorkflowTestCaseInline]
    actions = ["publish", "pause", "resume", "archive"]

    def save_model(self, request: HttpRequest, obj: Workflow, form: Any, change: bool) -> None:
        if change:  # the draft changed here: a new revision, as an API save would make
            obj.draft_revision += 1
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish the drafts")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda w: services.workflow_publish(w.pk, user=request.user))

    @admin.action(description="Pause")
    def pause(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda w: services.workflow_transition(w.pk, "pause", user=request.user))

    @admin.action(description="Resume")
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda w: services.workflow_transition(w.pk, "resume", user=request.user))

    @admin.action(description="Archive")
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda w: services.workflow_transition(w.pk, "archive", user=request.user))


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are immutable snapshots."""

    list_display = ["workflow", "number", "note", "created_by", "created_at"]
    list_filter = ["workflow"]
    readonly_fields = ["workflow", "number", "graph", "resolved_graph", "settings", "digest",
                       "note", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkflowTestCase)
class WorkflowTestCaseAdmin(admin.ModelAdmin):
    list_display = ["name", "workflow", "last_run_at", "updated_at"]
    list_filter = ["workflow"]
    search_fields = ["name"]
    readonly_fields = ["last_result", "last_run_at", "created_by", "created_at", "updated_at"]


DEFINITION = ["preset", "locked_fields", "exposed_fields"]


def _frozen_unless_draft(obj: BlockTemplateVersion | None, readonly: list[str]) -> list[str]:
    """A published or deprecated version is frozen: workflows pin it."""
    if obj is not None and obj.state != BlockTemplateState.DRAFT:
        return [*readonly, *DEFINITION]
    return readonly


class BlockTemplateVersionInline(admin.TabularInline):
    model = BlockTemplateVersion
    fields = ["number", "state", *DEFINITION, "published_at"]
    readonly_fields = ["number", "state", "published_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # edit a draft version on its own page


@admin.register(BlockTemplate)
class BlockTemplateAdmin(admin.ModelAdmin):
    """Create templates through the API (it checks preset, locked and exposed fields);
    here an added template gets an empty draft version 1 to fill in."""

    list_display = ["name", "base_type", "updated_at"]
    search_fields = ["name", "description", "base_type"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [BlockTemplateVersionInline]
    actions = ["publish", "deprecate", "version_new"]

    def save_model(self, request: HttpRequest, obj: BlockTemplate, form: Any,
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            BlockTemplateVersion.objects.create(template=obj, number=1, created_by=request.user)

    @admin.action(description="Publish the draft version")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda t: block_templates.block_template_publish(t, user=request.user))

    @admin.action(description="Deprecate (leave the palette)")
    def deprecate(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset, block_templates.block_template_deprecate)

    @admin.action(description="Start a new draft version")
    def version_new(self, request: HttpRequest, queryset: QuerySet) -> None:
        _each(self, request, queryset,
              lambda t: block_templates.block_template_version_new(t, user=request.user))


@admin.register(BlockTemplateVersion)
class BlockTemplateVersionAdmin(admin.ModelAdmin):
    list_display = ["template", "number", "state", "published_at"]
    list_filter = ["state"]
    readonly_fields = ["template", "number", "state", "published_at", "published_by",
                       "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions start from the template (action "Start a new draft version")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return _frozen_unless_draft(obj, list(self.readonly_fields))
