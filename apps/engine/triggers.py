"""The index of live triggers and goals, kept in step with workflow states.

Publishing, pausing, resuming, archiving or rolling back a workflow calls
`trigger_index_sync`, which replaces that workflow's rows: one per trigger node of the
published version while the workflow is published, plus its goal. Event handling then
looks triggers up by event type in one indexed query, whatever the number of workflows.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction

from apps.engine.graph import Node, compiled_version
from apps.engine.models import TriggerEntry, TriggerKind
from apps.workflows.models import Workflow, WorkflowState
from blocks.base import TriggerKind as StartKind
from blocks.base import TriggerSpec
from blocks.registry import block_find

logger = logging.getLogger(__name__)

CONDITION_KEY = "_condition"
DEFAULT_ENTRY_KEY = TriggerSpec.entry_key


def trigger_kind(node: Node) -> str | None:
    """The index's kind for a trigger node, from its block's declaration: the scan's name
    for a scan trigger; None for other nodes."""
    trigger = node.spec.trigger if node.spec is not None else None
    if trigger is None:
        return None
    if trigger.kind == StartKind.SCAN:
        return trigger.scan.name if trigger.scan is not None else None
    return str(trigger.kind.value)


def event_condition(entry: TriggerEntry) -> dict[str, Any] | None:
    """The condition an event must meet to start this (event) trigger. Rows indexed before
    the condition was stored compute it from the compiled version."""
    if CONDITION_KEY in entry.config:
        stored: dict[str, Any] | None = entry.config[CONDITION_KEY]
        return stored
    node = compiled_version(entry.version_id).nodes.get(entry.node_id)
    return _event_fields(node)[1] if node is not None else None


def event_entry_key(entry: TriggerEntry, event_id: int, customer_id: int) -> str:
    """The entry key of a run an event starts at this (event or webhook) trigger, by the
    block's declared template (default event:<event id>)."""
    spec = block_find(str(entry.config.get("_type", "")))
    template = spec.trigger.entry_key if spec is not None and spec.trigger is not None \
        else DEFAULT_ENTRY_KEY
    return template.format(event_id=event_id, customer_id=customer_id, node_id=entry.node_id)


def _event_fields(node: Node) -> tuple[str, dict[str, Any] | None]:
    """(event type, event condition) of an event or webhook trigger, from its config."""
    trigger = node.spec.trigger if node.spec is not None else None
    if trigger is None or node.config is None:
        return "", None
    condition = trigger.event_condition(node.config)
    return trigger.event_type(node.config), dict(condition) if condition else None


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
        compiled = compiled_version(version.pk)
        rows = []
        for node_id, node in compiled.nodes.items():
            kind = trigger_kind(node)
            if kind is None:
                continue
            if node.error:  # published versions validate; a block changed since then
                logger.error("trigger %s of workflow %s is not live: %s", node_id,
                             workflow.pk, node.error)
                continue
            config = {**dict(compiled.raw_nodes[node_id].get("config") or {}),
                      "_type": node.type}
            event_type, condition = _event_fields(node)
            if kind == TriggerKind.EVENT:
                # The event condition as the block computes it from the config, so that
                # matching an event runs no block code (apps/engine/events.py).
                config[CONDITION_KEY] = condition
            rows.append(TriggerEntry(workflow=workflow, version=version, node_id=node_id,
                                     kind=kind, event_type=event_type, config=config,
                                     state=kept.get(_identity(node_id, kind, config), {})))
        goal = (version.settings or {}).get("goal")
        if goal:
            rows.append(TriggerEntry(workflow=workflow, version=version, node_id="",
                                     kind=TriggerKind.GOAL, event_type=goal["event_type"],
                                     config=goal))
        TriggerEntry.objects.bulk_create(rows)


def triggers_for(kind: str) -> list[TriggerEntry]:
    """The live triggers of one kind (for the periodic scans)."""
    return list(TriggerEntry.objects.filter(kind=kind).select_related("workflow", "version"))
