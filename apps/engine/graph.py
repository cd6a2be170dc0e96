"""A workflow version's graph compiled for execution: nodes with validated configs and
the targets of every (node, port). Versions are immutable, so the compiled form is
cached per process by version id.

Each node runs the block version it pins (`version` in the graph, 1 when absent), so a
published workflow keeps its behaviour after a block's breaking change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from apps.workflows.models import WorkflowVersion
from apps.workflows.schemas import WorkflowSettings
from blocks.base import BlockConfig, BlockSpec
from blocks.registry import block_config_validate, block_find, node_version


class GraphError(Exception):
    """The version cannot run (an unknown block, a config the block no longer accepts)."""


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    spec: BlockSpec | None
    config: BlockConfig | None
    error: str = ""  # why the node cannot run, if it cannot


@dataclass(frozen=True)
class CompiledGraph:
    version_id: int
    workflow_id: int
    workflow_name: str
    nodes: dict[str, Node]
    targets: dict[tuple[str, str], tuple[str, ...]]
    settings: WorkflowSettings
    raw_nodes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def next_nodes(self, node_id: str, port: str) -> tuple[str, ...]:
        return self.targets.get((node_id, port), ())


def graph_compile(version: WorkflowVersion, workflow_name: str = "") -> CompiledGraph:
    graph = version.resolved_graph or version.graph
    nodes: dict[str, Node] = {}
    raw: dict[str, Mapping[str, Any]] = {}
    for item in graph.get("nodes") or []:
        raw[item["id"]] = item
        block_version = node_version(item)
        spec = block_find(item["type"], block_version)
        if spec is None:
            what = f"block type {item['type']!r}" if block_find(item["type"]) is None \
                else f"version {block_version} of block type {item['type']!r}"
            nodes[item["id"]] = Node(item["id"], item["type"], None, None, f"unknown {what}")
            continue
        config, errors = block_config_validate(item["type"], dict(item.get("config") or {}),
                                               block_version)
        error = ""
        if errors:
            error = f"config.{errors[0]['field']}: {errors[0]['message']}"
        nodes[item["id"]] = Node(item["id"], item["type"], spec, config, error)
    targets: dict[tuple[str, str], list[str]] = {}
    for edge in graph.get("edges") or []:
        targets.setdefault((edge["source"], edge.get("source_port") or "out"), []) \
            .append(edge["target"])
    return CompiledGraph(
        version_id=version.pk, workflow_id=version.workflow_id, workflow_name=workflow_name,
        nodes=nodes, targets={key: tuple(value) for key, value in targets.items()},
        settings=WorkflowSettings.model_validate(version.settings or {}), raw_nodes=raw,
    )


@lru_cache(maxsize=512)
def compiled_version(version_id: int) -> CompiledGraph:
    """The compiled graph of a version (immutable, so safe to cache for the process)."""
    version = WorkflowVersion.objects.select_related("workflow").only(
        "id", "workflow_id", "graph", "resolved_graph", "settings", "workflow__name"
    ).get(pk=version_id)
    return graph_compile(version, version.workflow.name)
