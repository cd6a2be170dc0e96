"""A readable difference between two versions: what a reviewer wants to see before
publishing or rolling back. Blocks are named by their titles and fields by their form
labels, with the old and the new value, so the diff reads without knowing node ids or
config keys (which stay in the payload for tools)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel

from apps.workflows.schemas import WorkflowSettings
from apps.workflows.titles import field_label, node_titles
from blocks.registry import node_version

_MISSING = object()
_VALUE_WORDS_MAX = 60
# The words the settings panel shows for a setting's choices (a diff line says "once per
# N days", in the reader's language, not the stored "once_per_period").
_SETTING_CHOICES = {
    "re_entry.policy": {"once": gettext_noop("once"),
                        "once_per_period": gettext_noop("once per N days"),
                        "always": gettext_noop("every time the trigger fires")},
}


def _nodes_by_id(graph: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {n["id"]: n for n in graph.get("nodes") or [] if isinstance(n, Mapping) and "id" in n}


def _edge_key(edge: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(edge.get("source")), str(edge.get("source_port", "out")), str(edge.get("target")))


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


def setting_label(key: str) -> str:
    """The settings panel's label of a dotted settings key, from the settings schema's
    field titles ("re_entry.policy" -> "A customer may enter"), in the active language."""
    model: Any = WorkflowSettings
    info = None
    for part in key.split("."):
        fields = model.model_fields if isinstance(model, type) and issubclass(model, BaseModel) \
            else {}
        info = fields.get(part)
        if info is None:
            break
        models = [a for a in (info.annotation, *get_args(info.annotation))
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        model = models[0] if models else None
    if info is not None and info.title:
        return _(info.title)
    return key.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def setting_value_words(key: str, value: Any) -> str:
    """A setting's value for a summary line: a choice by the panel's word for it."""
    choice = _SETTING_CHOICES.get(key, {}).get(value) if isinstance(value, str) else None
    return quoted(_(choice)) if choice else value_words(value)


def graph_diff(old_graph: Mapping[str, Any], old_settings: Mapping[str, Any],
               new_graph: Mapping[str, Any], new_settings: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from old to new. Positions count as `moved`, not as a change that
    matters to the engine."""
    old_nodes, new_nodes = _nodes_by_id(old_graph), _nodes_by_id(new_graph)
    titles = node_titles([*new_nodes.values(), *old_nodes.values()])
    old_titles = node_titles(old_nodes.values())

    def brief(node_id: str, node: Mapping[str, Any]) -> dict[str, Any]:
        return {"id": node_id, "type": node.get("type"), "title": titles[node_id]}

    changed = []
    for node_id in (i for i in new_nodes if i in old_nodes):
        before, after = old_nodes[node_id], new_nodes[node_id]
        old_config, new_config = before.get("config") or {}, after.get("config") or {}
        config_keys = _changed_keys(old_config, new_config)
        entry = {
            **brief(node_id, after),
            "title_before": old_titles[node_id],
            "type_changed": before.get("type") != after.get("type"),
            "config_keys_changed": config_keys,
            "fields": [{"key": key, "label": field_label(
                            str(after.get("type")), key,
                            node_version(after if key in new_config else before)),
                        "old": old_config.get(key), "new": new_config.get(key)}
                       for key in config_keys],
            "template_changed": before.get("template") != after.get("template"),
            "label_changed": before.get("label") != after.get("label"),
            "moved": before.get("position") != after.get("position"),
        }
        if entry["type_changed"] or config_keys or entry["template_changed"] \
                or entry["label_changed"]:
            changed.append(entry)

    def edges(keys: set[tuple[str, str, str]]) -> list[dict[str, str]]:
        return [{"source": s, "source_port": p, "target": t,
                 "source_title": titles.get(s, s), "target_title": titles.get(t, t)}
                for s, p, t in sorted(keys)]

    old_edges = {_edge_key(e) for e in old_graph.get("edges") or [] if isinstance(e, Mapping)}
    new_edges = {_edge_key(e) for e in new_graph.get("edges") or [] if isinstance(e, Mapping)}
    old_flat, new_flat = _flatten(old_settings), _flatten(new_settings)
    result = {
        "nodes_added": [brief(i, n) for i, n in new_nodes.items() if i not in old_nodes],
        "nodes_removed": [brief(i, n) for i, n in old_nodes.items() if i not in new_nodes],
        "nodes_changed": changed,
        "edges_added": edges(new_edges - old_edges),
        "edges_removed": edges(old_edges - new_edges),
        "settings_changed": [
            {"key": key, "label": setting_label(key), "old": old_flat.get(key),
             "new": new_flat.get(key)}
            for key in sorted({*old_flat, *new_flat})
            if old_flat.get(key, _MISSING) != new_flat.get(key, _MISSING)
        ],
    }
    result["summary"] = diff_summary(result)
    return result


def quoted(text: str) -> str:
    """A name or value in the reader's quotation marks (“…”, „…“, «…»)."""
    return _("“%(text)s”") % {"text": text}


def value_words(value: Any) -> str:
    """A short rendering of a value for one line of the summary; structures are only
    said to have changed (the history panel shows them in full)."""
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Mapping | list):
        return _("(a new value)")
    text = " ".join(str(value).split())
    if isinstance(value, str):
        text = text.replace("_", " ") if text.isidentifier() else text
        clipped = text if len(text) <= _VALUE_WORDS_MAX else text[:_VALUE_WORDS_MAX - 1] + "…"
        return quoted(clipped)
    return text


# The words the canvas shows for the blocks' fixed ports; a branch's own name is the
# composer's and stays as written.
_PORT_WORDS = {"yes": gettext_noop("yes"), "no": gettext_noop("no"),
               "happened": gettext_noop("happened"), "timeout": gettext_noop("timed out"),
               "else": gettext_noop("otherwise"), "holdout": gettext_noop("control group"),
               "failed": gettext_noop("failed")}


def _port(title: str, port: str) -> str:
    if port == "out":
        return title
    word = _(_PORT_WORDS[port]) if port in _PORT_WORDS else port.replace("_", " ")
    return f"{title} ({word})"


def diff_summary(diff: Mapping[str, Any]) -> list[str]:
    """The diff as sentences, for the version history panel and review comments."""
    lines = [_("Added “%(block)s”") % {"block": n["title"]} for n in diff["nodes_added"]]
    lines += [_("Removed “%(block)s”") % {"block": n["title"]} for n in diff["nodes_removed"]]
    for node in diff["nodes_changed"]:
        if node["label_changed"]:
            lines.append(_("Renamed “%(old)s” to “%(new)s”") % {
                "old": node["title_before"], "new": node["title"]})
        if node["type_changed"]:
            lines.append(_("“%(block)s” is now a different kind of block") % {
                "block": node["title"]})
        if node["template_changed"]:
            lines.append(_("“%(block)s” uses another version of its team block") % {
                "block": node["title"]})
        for fld in node["fields"]:
            structured = isinstance(fld["old"], Mapping | list) \
                or isinstance(fld["new"], Mapping | list)
            words = {"block": node["title"], "field": fld["label"],
                     "old": value_words(fld["old"]), "new": value_words(fld["new"])}
            lines.append((_("In “%(block)s”, “%(field)s” changed") if structured else
                          _("In “%(block)s”, “%(field)s” changed from %(old)s to %(new)s"))
                         % words)
    lines += [_("Connected %(source)s → %(target)s") % {
        "source": _port(quoted(e["source_title"]), e["source_port"]),
        "target": quoted(e["target_title"])} for e in diff["edges_added"]]
    lines += [_("Disconnected %(source)s → %(target)s") % {
        "source": _port(quoted(e["source_title"]), e["source_port"]),
        "target": quoted(e["target_title"])} for e in diff["edges_removed"]]
    lines += [_("Setting “%(setting)s” changed from %(old)s to %(new)s") % {
        "setting": s["label"], "old": setting_value_words(s["key"], s["old"]),
        "new": setting_value_words(s["key"], s["new"])}
        for s in diff["settings_changed"]]
    return lines
