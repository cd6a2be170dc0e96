"""A readable difference between two versions: what a reviewer wants to see before
publishing or rolling back (nodes added, removed and changed, edges, settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MISSING = object()


def _nodes_by_id(graph: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {n["id"]: n for n in graph.get("nodes") or [] if isinstance(n, Mapping) and "id" in n}


def _edge_key(edge: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(edge.get("source")), str(edge.get("source_port", "out")), str(edge.get("target")))


def _edges_as_dicts(keys: set[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"source": s, "source_port": p, "target": t} for s, p, t in sorted(keys)]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as {dotted.key: leaf}; lists and scalars are leaves."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value} if prefix else {}


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose values differ (a config key is what the node form shows)."""
    return sorted(k for k in {*old, *new} if old.get(k, _MISSING) != new.get(k, _MISSING))


def graph_diff(old_graph: Mapping[str, Any], old_settings: Mapping[str, Any],
               new_graph: Mapping[str, Any], new_settings: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from old to new. Positions count as `moved`, not as a change that
    matters to the engine."""
    old_nodes, new_nodes = _nodes_by_id(old_graph), _nodes_by_id(new_graph)
    added = [{"id": i, "type": new_nodes[i].get("type")} for i in new_nodes if i not in old_nodes]
    removed = [{"id": i, "type": old_nodes[i].get("type")} for i in old_nodes
               if i not in new_nodes]
    changed = []
    for node_id in (i for i in new_nodes if i in old_nodes):
        before, after = old_nodes[node_id], new_nodes[node_id]
        config_keys = _changed_keys(before.get("config") or {}, after.get("config") or {})
        entry = {
            "id": node_id,
            "type": after.get("type"),
            "type_changed": before.get("type") != after.get("type"),
            "config_keys_changed": config_keys,
            "template_changed": before.get("template") != after.get("template"),
            "label_changed": before.get("label") != after.get("label"),
            "moved": before.get("position") != after.get("position"),
        }
        if entry["type_changed"] or config_keys or entry["template_changed"] \
                or entry["label_changed"]:
            changed.append(entry)
    old_edges = {_edge_key(e) for e in old_graph.get("edges") or [] if isinstance(e, Mapping)}
    new_edges = {_edge_key(e) for e in new_graph.get("edges") or [] if isinstance(e, Mapping)}
    old_flat, new_flat = _flatten(old_settings), _flatten(new_settings)
    settings_changed = [
        {"key": key, "old": old_flat.get(key), "new": new_flat.get(key)}
        for key in sorted({*old_flat, *new_flat})
        if old_flat.get(key, _MISSING) != new_flat.get(key, _MISSING)
    ]
    result = {
        "nodes_added": added,
        "nodes_removed": removed,
        "nodes_changed": changed,
        "edges_added": _edges_as_dicts(new_edges - old_edges),
        "edges_removed": _edges_as_dicts(old_edges - new_edges),
        "settings_changed": settings_changed,
    }
    result["summary"] = diff_summary(result)
    return result


def diff_summary(diff: Mapping[str, Any]) -> list[str]:
    """The diff as sentences, for the version history panel and review comments."""
    lines = [f"Added {n['id']} ({n['type']})" for n in diff["nodes_added"]]
    lines += [f"Removed {n['id']} ({n['type']})" for n in diff["nodes_removed"]]
    for node in diff["nodes_changed"]:
        parts = []
        if node["type_changed"]:
            parts.append(f"type is now {node['type']}")
        if node["config_keys_changed"]:
            parts.append("changed " + ", ".join(node["config_keys_changed"]))
        if node["template_changed"]:
            parts.append("template version changed")
        if node["label_changed"]:
            parts.append("renamed")
        lines.append(f"Changed {node['id']}: " + "; ".join(parts))
    lines += [f"Connected {e['source']}.{e['source_port']} → {e['target']}"
              for e in diff["edges_added"]]
    lines += [f"Disconnected {e['source']}.{e['source_port']} → {e['target']}"
              for e in diff["edges_removed"]]
    lines += [f"Setting {s['key']}: {s['old']!r} → {s['new']!r}" for s in diff["settings_changed"]]
    return lines
