"""The real Library for validation: the blocks registry, the Liquid checker and the
block templates in the database (prefetched for one graph, so validation stays one query)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

from apps.common.templating import template_check
from apps.integrations.binding import credential_request_issue
from apps.workflows.models import BlockTemplateVersion
from apps.workflows.validation import Library, TemplateInfo, template_config_merge
from blocks.registry import block_config_validate, block_find


def template_refs(graph: Mapping[str, Any]) -> set[tuple[int, int]]:
    refs: set[tuple[int, int]] = set()
    if not isinstance(graph, Mapping) or not isinstance(graph.get("nodes"), list):
        return refs
    for node in graph["nodes"]:
        ref = node.get("template") if isinstance(node, Mapping) else None
        if isinstance(ref, Mapping) and isinstance(ref.get("id"), int) \
                and isinstance(ref.get("version"), int):
            refs.add((ref["id"], ref["version"]))
    return refs


def block_templates_info(refs: set[tuple[int, int]]) -> dict[tuple[int, int], TemplateInfo]:
    if not refs:
        return {}
    template_ids = {template_id for template_id, _ in refs}
    versions = BlockTemplateVersion.objects.filter(template_id__in=template_ids) \
        .select_related("template")
    return {
        (v.template_id, v.number): TemplateInfo(
            id=v.template_id, version=v.number, name=v.template.name,
            base_type=v.template.base_type, preset=v.preset or {},
            locked_fields=tuple(v.locked_fields or ()), state=v.state,
            base_version=v.base_version,
        )
        for v in versions if (v.template_id, v.number) in refs
    }


LOCALE_COUNTS_SECONDS = 300


def audience_segments(graph: Mapping[str, Any]) -> list[int] | None:
    """The segments whose members a workflow reaches, when each of its triggers declares
    that it starts only a segment's members (TriggerSpec.audience_segment: a segment
    trigger, a schedule over a segment); None when any other trigger (an event, a date …)
    may start it for any customer."""
    segment_ids: list[int] = []
    for node in graph.get("nodes") or []:
        spec = block_find(str(node.get("type", ""))) if isinstance(node, Mapping) else None
        if spec is None or spec.trigger is None:
            continue
        segment_id = spec.trigger.audience(node.get("config") or {})
        if segment_id is None:
            return None
        segment_ids.append(segment_id)
    return sorted(set(segment_ids)) if segment_ids else None


def audience_locale_counts(graph: Mapping[str, Any]) -> Mapping[str, int]:
    """The workflow's customers by language, kept for a few minutes: a draft is validated
    on every save, and the counts of a large customer base change slowly."""
    from apps.customers.selectors import customer_locale_counts

    segments = audience_segments(graph)
    key = "kf:locale-counts:" + (",".join(map(str, segments)) if segments is not None else "all")
    counts = cache.get(key)
    if counts is None:
        counts = customer_locale_counts(segments)
        cache.set(key, counts, LOCALE_COUNTS_SECONDS)
    return counts


def library_for(graph: Mapping[str, Any]) -> Library:
    """The library that validates (and resolves) this graph."""
    templates = block_templates_info(template_refs(graph))
    return Library(
        block_find=block_find,
        config_validate=block_config_validate,
        template_check=template_check,
        block_template=lambda template_id, version: templates.get((template_id, version)),
        credential_check=credential_request_issue,
        customer_locales=audience_locale_counts,
    )


def graph_resolve(graph: Mapping[str, Any], library: Library) -> dict[str, Any]:
    """The graph the engine runs: templated nodes carry their effective config."""
    nodes = []
    for node in graph.get("nodes") or []:
        ref = node.get("template")
        info = library.block_template(ref["id"], ref["version"]) if ref else None
        if info is not None:
            node = {**node, "config": template_config_merge(info.preset, node.get("config") or {})}
        nodes.append(node)
    return {**graph, "nodes": nodes}


def settings_condition_errors(settings: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The goal condition, checked by the conditions module (same rules as filters)."""
    from apps.customers.conditions.schema import ConditionError, condition_validate

    goal = (settings or {}).get("goal") or {}
    condition = goal.get("condition") if isinstance(goal, Mapping) else None
    if condition is None:
        return []
    try:
        condition_validate(condition, root="event")
    except ConditionError as exc:
        base = "settings.goal.condition"
        return [{"field": f"{base}.{issue.path}" if issue.path else base, "code": issue.code,
                 "message": issue.message} for issue in exc.issues]
    return []
