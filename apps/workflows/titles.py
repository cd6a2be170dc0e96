"""The words a person sees for a block and its fields: the title on the canvas card and
the label above a form field. Errors and version diffs name blocks and fields this way,
never by internal id or config key. In the active language (blocks/i18n.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from blocks.i18n import block_text
from blocks.registry import block_find, node_version


def node_title(node: Mapping[str, Any]) -> str:
    """The title the canvas shows on the node: its own label, else the block's."""
    if node.get("label"):
        return str(node["label"])
    spec = block_find(str(node.get("type")), node_version(node))
    return block_text(spec.label) if spec is not None else \
        str(node.get("type") or node.get("id"))


def node_titles(nodes: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{node id: title}, numbered where titles repeat ("Send SMS", "Send SMS 2") so two
    blocks of one kind can be told apart without their ids."""
    titles: dict[str, str] = {}
    seen: dict[str, int] = {}
    for node in nodes:
        node_id = str(node.get("id"))
        if node_id in titles:
            continue
        title = node_title(node)
        seen[title] = seen.get(title, 0) + 1
        titles[node_id] = title if seen[title] == 1 else f"{title} {seen[title]}"
    return titles


def field_label(block_type: str, field: str, version: int | None = None) -> str:
    """The form's label of a config field ("config.headers.X" -> "Headers X") in the
    block at `version` (the latest when None); a variant's field says its language
    ("config.variants.de.body" -> "Body (de)")."""
    name, _sep, key = field.removeprefix("config.").partition(".")
    if name == "variants" and "." in key:
        locale, _sep, inner = key.partition(".")
        return f"{field_label(block_type, inner, version)} ({locale})"
    spec = block_find(block_type, version) or block_find(block_type)
    model_fields = spec.config_model.model_fields if spec is not None else {}
    info = model_fields.get(name)
    label = block_text(info.title) if info is not None and info.title else \
        name.replace("_", " ").capitalize()
    return f"{label} {key}" if key else str(label)
