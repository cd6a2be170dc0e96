"""Workflows, their immutable versions, saved test cases, and reusable block templates.

A workflow has one editable draft (graph + settings, guarded by a revision number for
optimistic concurrency) and a history of immutable versions; the published version is
what runs while the draft is edited. States change only through the verb transitions
below, called from services.py, which maps refused transitions to domain errors.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

GRAPH_SCHEMA_VERSION = 1


def graph_empty() -> dict[str, Any]:
    return {"schema_version": GRAPH_SCHEMA_VERSION, "nodes": [], "edges": []}


def webhook_secret_new() -> str:
    return secrets.token_urlsafe(32)


def content_digest(graph: Any, settings: Any) -> str:
    """A stable fingerprint of graph + settings: equal digests mean nothing to publish."""
    canonical = json.dumps({"graph": graph, "settings": settings}, sort_keys=True,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class WorkflowState(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"
    ARCHIVED = "archived"


class Workflow(ConcurrentTransitionMixin, models.Model):
    """A retention automation. The draft is what the canvas edits; `published_version`
    is what the engine runs (runs stay pinned to the version they started on)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    state = FSMField(default=WorkflowState.DRAFT, choices=WorkflowState.choices,
                     protected=True)
    draft_graph = models.JSONField(default=graph_empty)
    draft_settings = models.JSONField(default=dict)
    draft_revision = models.PositiveIntegerField(
        default=1, help_text="Bumped on every draft change; a save must name the one it read."
    )
    draft_digest = models.CharField(max_length=64, editable=False, default="")
    published_version = models.ForeignKey(
        "workflows.WorkflowVersion", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    starter_key = models.CharField(
        max_length=64, blank=True, default="",
        help_text="Set on workflows loaded from a starter template (load_starters).",
    )
    webhook_secret = models.CharField(max_length=64, default=webhook_secret_new,
                                      editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["state"], name="workflow_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["starter_key"], condition=~models.Q(starter_key=""),
                                    name="workflow_starter_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.draft_digest = content_digest(self.draft_graph, self.draft_settings)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "draft_digest", "updated_at"}
        super().save(*args, **kwargs)

    @property
    def has_unpublished_changes(self) -> bool:
        version = self.published_version
        return version is None or version.digest != self.draft_digest

    # --- transitions (call through services.py) ------------------------------------------

    @transition(field=state,
                source=[WorkflowState.DRAFT, WorkflowState.PUBLISHED, WorkflowState.PAUSED],
                target=RETURN_VALUE(WorkflowState.PUBLISHED, WorkflowState.PAUSED))
    def publish(self) -> str:
        """A paused workflow takes the new version but stays paused until resumed."""
        return WorkflowState.PAUSED if self.state == WorkflowState.PAUSED else \
            WorkflowState.PUBLISHED

    @transition(field=state, source=WorkflowState.PUBLISHED, target=WorkflowState.PAUSED)
    def pause(self) -> None:
        """Stop starting new runs; runs under way keep going."""

    @transition(field=state, source=WorkflowState.PAUSED, target=WorkflowState.PUBLISHED)
    def resume(self) -> None:
        """Start new runs again."""

    @transition(field=state,
                source=[WorkflowState.DRAFT, WorkflowState.PUBLISHED, WorkflowState.PAUSED],
                target=WorkflowState.ARCHIVED)
    def archive(self) -> None:
        """Final: no new runs, no more edits; history stays readable."""


class ImmutableVersionError(Exception):
    """A WorkflowVersion is a snapshot: it is created once and never changed."""


class WorkflowVersion(models.Model):
    """An immutable snapshot of a workflow's graph and settings, made by publishing.

    `graph` is the graph as authored (what discard and rollback restore); `resolved_graph`
    is what the engine runs: every node that uses a block template carries its effective
    config (the template's preset merged with the node's own values)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    resolved_graph = models.JSONField()
    settings = models.JSONField(default=dict)
    digest = models.CharField(max_length=64, editable=False)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"],
                                    name="workflow_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersionError(f"version {self.number} is immutable")
        self.digest = content_digest(self.graph, self.settings)
        super().save(*args, **kwargs)


class WorkflowTestCase(models.Model):
    """Given a customer and an event, expect this path, these effects, this outcome.

    See apps/workflows/testing.py for the exact shape of `given` and `expect`."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(max_length=200)
    given = models.JSONField()
    expect = models.JSONField()
    last_result = models.JSONField(null=True, blank=True, editable=False)
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workflow", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "name"],
                                    name="workflow_test_case_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class BlockTemplate(models.Model):
    """A reusable block for the team: a core block type with versions of preset, locked
    and exposed fields. Workflows pin one published version: `template: {id, version}`."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    base_type = models.CharField(max_length=100, help_text="The core block, e.g. action.send_sms")
    icon = models.CharField(max_length=50, blank=True, default="")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BlockTemplateState(models.TextChoices):
    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"


class BlockTemplateVersion(ConcurrentTransitionMixin, models.Model):
    """One version of a block template. Editable while draft; frozen once published."""

    template = models.ForeignKey(BlockTemplate, on_delete=models.CASCADE,
                                 related_name="versions")
    number = models.PositiveIntegerField()
    preset = models.JSONField(default=dict, help_text="Config values preset for the block.")
    locked_fields = models.JSONField(
        default=list, help_text="Config fields a workflow may not change from the preset."
    )
    exposed_fields = models.JSONField(
        default=list, help_text='Fields shown in the node form: [{"field", "label", "help"}].'
    )
    base_version = models.PositiveIntegerField(
        default=1, help_text="The version of the base block the preset is written for; "
        "nodes made from this template version use it."
    )
    state = FSMField(default=BlockTemplateState.DRAFT, choices=BlockTemplateState.choices,
                     protected=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"],
                                    name="block_template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    @transition(field=state, source=BlockTemplateState.DRAFT,
                target=BlockTemplateState.PUBLISHED)
    def publish(self) -> None:
        """Frozen from now on; joins the palette."""

    @transition(field=state, source=BlockTemplateState.PUBLISHED,
                target=BlockTemplateState.DEPRECATED)
    def deprecate(self) -> None:
        """Leaves the palette; pinned workflows keep running it and get a warning."""
