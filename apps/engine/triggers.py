"""The index of live triggers and goals, kept in step with workflow states.

Publishing, pausing, resuming, archiving or rolling back a workflow calls
`trigger_index_sync`, which replaces that workflow's rows: one per trigger node of the
published version while the workflow is published, plus its goal. Event handling then
looks triggers up by event type in one indexed query, whatever the number of workflows.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from apps.engine.models import TriggerEntry, TriggerKind
from apps.workflows.models import Workflow, WorkflowState

_KINDS = {
    "trigger.event": TriggerKind.EVENT,
    "trigger.segment": TriggerKind.EVENT,
    "trigger.date": TriggerKind.DATE,
    "trigger.inactivity": TriggerKind.INACTIVITY,
    "trigger.schedule": TriggerKind.SCHEDULE,
    "trigger.webhook": TriggerKind.WEBHOOK,
    "trigger.manual": TriggerKind.MANUAL,
}


def _event_type(node_type: str, config: dict[str, Any]) -> str:
    if node_type == "trigger.segment":
        return f"segment.{config.get('on', 'entered')}"
    return str(config.get("event_type") or "")


def _identity(node_id: str, kind: str, config: dict[str, Any]) -> str:
    return json.dumps([node_id, kind, config], sort_keys=True, default=str)


def trigger_index_sync(workflow: Workflow) -> None:
    """Make the index match the workflow's state and published version."""
    with transaction.atomic():
        # Scan bookkeeping (high-water marks, next fire times) survives a re-sync for
        # triggers whose node and config did not change.
        kept = {_identity(e.node_id, e.kind, e.config): e.state
                for e in TriggerEntry.objects.filter(workflow=workflow)}
        TriggerEntry.objects.filter(workflow=workflow).delete()
        version = workflow.published_version
        if workflow.state != WorkflowState.PUBLISHED or version is None:
            return
        graph = version.resolved_graph or version.graph
        rows = []
        for node in graph.get("nodes") or []:
            kind = _KINDS.get(node.get("type", ""))
            if kind is None:
                continue
            config = dict(node.get("config") or {})
            config = {**config, "_type": node["type"]}
            rows.append(TriggerEntry(workflow=workflow, version=version, node_id=node["id"],
                                     kind=kind, event_type=_event_type(node["type"], config),
                                     config=config,
                                     state=kept.get(_identity(node["id"], kind, config), {})))
        goal = (version.settings or {}).get("goal")
        if goal:
            rows.append(TriggerEntry(workflow=workflow, version=version, node_id="",
                                     kind=TriggerKind.GOAL, event_type=goal["event_type"],
                                     config=goal))
        TriggerEntry.objects.bulk_create(rows)


def triggers_for(kind: str) -> list[TriggerEntry]:
    """The live triggers of one kind (for the periodic scans)."""
    return list(TriggerEntry.objects.filter(kind=kind).select_related("workflow", "version"))
