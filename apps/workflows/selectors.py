"""Reads of workflows and their versions (lists without the heavy graph JSON)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.workflows.diff import graph_diff
from apps.workflows.models import Workflow, WorkflowState, WorkflowVersion, graph_empty

_VERSION_HEAVY = ("published_version__graph", "published_version__resolved_graph",
                  "published_version__settings")


def workflows_list(state: str | None = None) -> QuerySet[Workflow]:
    queryset = Workflow.objects.select_related("published_version", "updated_by") \
        .defer("draft_graph", "draft_settings", *_VERSION_HEAVY)
    return queryset.filter(state=state) if state else queryset


def workflow_detail_queryset() -> QuerySet[Workflow]:
    return Workflow.objects.select_related("published_version", "updated_by") \
        .defer(*_VERSION_HEAVY)


def workflows_live() -> QuerySet[Workflow]:
    """Published (not paused) workflows with the version that runs: the engine's input."""
    return Workflow.objects.filter(state=WorkflowState.PUBLISHED,
                                   published_version__isnull=False) \
        .select_related("published_version")


def workflow_versions(workflow: Workflow) -> QuerySet[WorkflowVersion]:
    return workflow.versions.select_related("created_by", "workflow") \
        .defer("graph", "resolved_graph", "settings").order_by("-number")


def workflow_version_get(workflow: Workflow, number: int) -> WorkflowVersion:
    """Raises WorkflowVersion.DoesNotExist."""
    return workflow.versions.select_related("created_by", "workflow").get(number=number)


def workflow_version_diff(workflow: Workflow, number: int | str,
                          against: int | str | None = None) -> dict[str, Any]:
    """The diff from `against` to `number`. Either side may be "draft"; `against`
    defaults to the version before `number` (an empty graph before version 1).
    Raises WorkflowVersion.DoesNotExist for a missing version."""

    def side(which: int | str) -> tuple[dict[str, Any], dict[str, Any], str]:
        if which == "draft":
            return workflow.draft_graph, workflow.draft_settings, "draft"
        if which == "empty":
            return graph_empty(), {}, "empty"
        version = workflow_version_get(workflow, int(which))
        return version.graph, version.settings, str(version.number)

    new_graph, new_settings, target = side(number)
    if against is None:
        if number == "draft":
            version = workflow.published_version
            against = version.number if version is not None else "empty"
        else:
            previous = int(number) - 1
            against = previous if previous >= 1 else "empty"
    old_graph, old_settings, base = side(against)
    return {"base": base, "target": target,
            **graph_diff(old_graph, old_settings, new_graph, new_settings)}
