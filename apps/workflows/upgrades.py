"""Block upgrades of a draft: nodes on an older version of their block are brought to
the latest version through the block's `upgrade` functions (blocks.registry).

Pure: a graph in, a graph and what changed out. Only drafts are upgraded (services.py);
published versions keep the block versions they were validated with. Nodes made from a
block template keep the template's block version: they move on with a new template
version, not here."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypedDict

from blocks.registry import block_config_upgrade, block_latest_version, node_version


class NodeUpgrade(TypedDict):
    node: str
    type: str
    from_version: int
    to_version: int


def node_upgradable(node: Mapping[str, Any]) -> bool:
    """A node of a known block, not from a template, on an older version than the latest."""
    latest = block_latest_version(str(node.get("type")))
    return latest is not None and node.get("template") is None \
        and node_version(node) < latest


def graph_blocks_upgrade(graph: Mapping[str, Any], node_ids: Collection[str] | None = None
                         ) -> tuple[dict[str, Any], list[NodeUpgrade]]:
    """The graph with every upgradable node (or only those of `node_ids`) at the latest
    version of its block, and the list of nodes that changed. Configs are converted, not
    validated: the draft's validation then shows what still needs the user's hand."""
    nodes: list[Any] = []
    upgraded: list[NodeUpgrade] = []
    for node in graph.get("nodes") or []:
        if isinstance(node, Mapping) and node_upgradable(node) \
                and (node_ids is None or node.get("id") in node_ids):
            block_type, version = str(node["type"]), node_version(node)
            latest = block_latest_version(block_type) or version
            config = block_config_upgrade(block_type, dict(node.get("config") or {}), version,
                                          latest)
            node = {**node, "config": config, "version": latest}
            upgraded.append({"node": str(node.get("id")), "type": block_type,
                             "from_version": version, "to_version": latest})
        nodes.append(node)
    return {**graph, "nodes": nodes}, upgraded
