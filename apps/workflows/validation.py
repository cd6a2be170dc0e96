"""Graph validation: one pure function from a graph and a block library to errors and
warnings. Lenient callers (draft save) show them; strict ones (publish) refuse on errors.

Every issue names the node (or None) and the field, so the canvas can mark it:
    {"node": "a1", "field": "config.body", "code": "template_syntax", "message": "...",
     "path": "graph.nodes.3.config.body"}
`field` is relative to the node for the node's own fields (type, template, config.*), and
relative to the graph for edges (`edges.4.source_port`); `path` is always the full path
in the request body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.workflows.schemas import MAX_CONFIG_BYTES, MAX_EDGES, MAX_NODES
from apps.workflows.titles import field_label, node_title
from blocks.registry import node_version
from blocks.rendering import template_paths
from blocks.variants import variant_locales_missing, variant_texts_present

SCHEMA_VERSION = 1
# A loop is only allowed through one of these: each pass then costs real time.
TRIGGER_CATEGORY = "trigger"
# Template issues about variables: their messages name the block and field.
VARIABLE_CODES = frozenset({"unknown_variable", "renamed_variable"})


@dataclass(frozen=True)
class TemplateInfo:
    """What validation needs to know about one pinned block-template version."""

    id: int
    version: int
    name: str
    base_type: str
    preset: Mapping[str, Any]
    locked_fields: tuple[str, ...]
    state: str  # draft | published | deprecated
    base_version: int = 1  # the version of the base block its preset is written for


@dataclass(frozen=True)
class Library:
    """The outside knowledge validation needs, passed in so the function stays pure."""

    # (type, version; None: the latest) -> BlockSpec | None
    block_find: Callable[[str, int | None], Any]
    # (type, config, version) -> (parsed config | None, errors)
    config_validate: Callable[[str, dict[str, Any], int | None],
                              tuple[Any, list[dict[str, Any]]]]
    # Liquid source -> [{severity: error|warning, code, message, line, column}]
    template_check: Callable[[str], list[Mapping[str, Any]]]
    block_template: Callable[[int, int], TemplateInfo | None] = lambda _id, _version: None
    # (credential id, method, url) -> (code, message) when the credential may not ride on
    # that request (integrations/binding.py); None skips the check.
    credential_check: Callable[[int, str, str], tuple[str, str] | None] | None = None
    # The graph -> its audience's customers by language ({"de": 40, "ru": 12}): message
    # blocks with no variant for a language get a warning. None skips the check.
    customer_locales: Callable[[Mapping[str, Any]], Mapping[str, int]] | None = None


@dataclass
class ValidationResult:
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "errors": self.errors, "warnings": self.warnings}


def template_config_merge(preset: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """A templated node's effective config: the preset, overridden by the node's values."""
    return {**preset, **config}


class _Collector:
    def __init__(self) -> None:
        self.result = ValidationResult()
        # (index, node id, title, parsed config) of blocks with texts per language
        self.translatable: list[tuple[int, str, str, Any]] = []

    def node_issue(self, index: int, node_id: str | None, fld: str, code: str, message: str,
                   *, warning: bool = False) -> None:
        path = f"graph.nodes.{index}" + (f".{fld}" if fld else "")
        self._add(warning, {"node": node_id, "field": fld, "code": code, "message": message,
                            "path": path})

    def graph_issue(self, node_id: str | None, fld: str, code: str, message: str) -> None:
        self._add(False, {"node": node_id, "field": fld, "code": code, "message": message,
                          "path": f"graph.{fld}" if fld else "graph"})

    def _add(self, warning: bool, issue: dict[str, Any]) -> None:
        (self.result.warnings if warning else self.result.errors).append(issue)


def graph_validate(graph: Mapping[str, Any], library: Library) -> ValidationResult:
    """Check a graph against the rules of DESIGN.md "The graph": known block types, valid
    configs and Liquid templates, valid ports and edges, at least one trigger and triggers
    only at entry, every node reachable from a trigger, no cycle without a wait and none
    that fans out (a warning on other loops), size limits, and block templates that
    exist, are published and keep their locked fields."""
    out = _Collector()
    if not isinstance(graph, Mapping):
        out.graph_issue(None, "", "type_error", _("a graph is an object {schema_version, "
                                                         "nodes, edges}"))
        return out.result
    if graph.get("schema_version") != SCHEMA_VERSION:
        out.graph_issue(None, "schema_version", "unsupported_schema_version",
                        _("schema_version must be %(version)s") % {"version": SCHEMA_VERSION})
    nodes = [n for n in graph.get("nodes") or [] if isinstance(n, Mapping)]
    edges = [e for e in graph.get("edges") or [] if isinstance(e, Mapping)]
    if len(nodes) > MAX_NODES:
        out.graph_issue(None, "nodes", "too_many_nodes",
                        _("at most %(count)s nodes per workflow") % {"count": MAX_NODES})
    if len(edges) > MAX_EDGES:
        out.graph_issue(None, "edges", "too_many_edges",
                        _("at most %(count)s edges per workflow") % {"count": MAX_EDGES})

    index_of: dict[str, int] = {}
    types: dict[str, str] = {}
    ports: dict[str, list[str] | None] = {}  # None: unknown (bad type or config)
    triggers: list[str] = []
    waiting: set[str] = set()  # nodes whose block can leave the graph waiting
    for index, node in enumerate(nodes):
        node_id = node.get("id")
        if not isinstance(node_id, str) or not node_id:
            out.node_issue(index, None, "id", "required", _("every node needs an id"))
            continue
        if node_id in index_of:
            out.node_issue(index, node_id, "id", "duplicate_node_id",
                           _("node id %(id)r is used by more than one node") % {"id": node_id})
            continue
        index_of[node_id] = index
        spec_type = node.get("type")
        types[node_id] = str(spec_type)
        ports[node_id] = None
        latest = library.block_find(spec_type, None) if isinstance(spec_type, str) else None
        if latest is None:
            out.node_issue(index, node_id, "type", "unknown_block_type",
                           _("no block type %(type)r") % {"type": spec_type})
            continue
        spec = library.block_find(latest.type, node_version(node))
        if spec is None:
            out.node_issue(index, node_id, "version", "unknown_block_version",
                           _('block "%(block)s" has no version %(version)s; the newest is '
                             "version %(latest)s")
                           % {"block": node_title(node), "version": node_version(node),
                              "latest": latest.version})
            continue
        if spec.version < latest.version and node.get("template") is None:
            out.node_issue(index, node_id, "version", "block_upgrade_available",
                           _('a newer version of "%(block)s" is available (this step uses '
                             "version %(version)s, the newest is %(latest)s). Upgrade it to "
                             "get the changes: its settings are carried over.")
                           % {"block": node_title(node), "version": spec.version,
                              "latest": latest.version}, warning=True)
        if str(spec.category) == TRIGGER_CATEGORY:
            triggers.append(node_id)
        if spec.waits:
            waiting.add(node_id)
        ports[node_id] = _node_check(out, index, node_id, node, spec, library)

    _edges_check(out, edges, index_of, types, ports, set(triggers))
    if not triggers:
        out.graph_issue(None, "nodes", "no_trigger",
                        _("a workflow needs at least one trigger block to start it"))
    _graph_shape_check(out, index_of, edges, triggers, waiting)
    _variants_check(out, graph, library)
    return out.result


def _node_check(out: _Collector, index: int, node_id: str, node: Mapping[str, Any], spec: Any,
                library: Library) -> list[str] | None:
    """Config, templates and block-template rules of one node; returns its output ports
    (None when the config is too broken to know them)."""
    config = node.get("config") or {}
    if not isinstance(config, Mapping):
        out.node_issue(index, node_id, "config", "type_error", _("config must be an object"))
        return None
    size = len(json.dumps(config, separators=(",", ":"), default=str))
    if size > MAX_CONFIG_BYTES:
        out.node_issue(index, node_id, "config", "too_large",
                       _("config is %(size)s bytes; the limit is %(limit)s")
                       % {"size": size, "limit": MAX_CONFIG_BYTES})
        return None
    effective = dict(config)
    ref = node.get("template")
    if ref is not None:
        info = _template_check(out, index, node_id, node, ref, library)
        if info is not None:
            effective = template_config_merge(info.preset, config)
    parsed, config_errors = library.config_validate(spec.type, effective, spec.version)
    bad_fields = set()
    for error in config_errors:
        fld = str(error.get("field") or "")
        fld = fld if fld == "config" or fld.startswith("config.") else \
            ("config." + fld if fld else "config")
        bad_fields.add(fld)
        out.node_issue(index, node_id, fld, str(error.get("code") or "invalid"),
                       str(error.get("message") or _("invalid value")))
    for fld, text in _template_texts(spec.template_fields, effective):
        if fld in bad_fields:
            continue
        for issue in library.template_check(text):
            where = " " + _("(line %(line)s, column %(column)s)") % {
                "line": issue["line"], "column": issue["column"]} if issue.get("line") else ""
            message = issue["message"] + where
            if issue["code"] in VARIABLE_CODES:  # said where, for the person who reads it
                message = str(_('block "%(block)s", field "%(field)s": %(issue)s') % {
                    "block": node_title(node),
                    "field": field_label(spec.type, fld, spec.version),
                    "issue": message})
            out.node_issue(index, node_id, fld, str(issue["code"]), message,
                           warning=issue.get("severity") == "warning")
    if parsed is None:
        return None
    if variant_texts_present(parsed):
        out.translatable.append((index, node_id, node_title(node), parsed))
    _credential_check(out, index, node_id, parsed, library)
    return list(spec.output_ports(parsed))


# The default texts are taken to be English: customers without a locale or in English
# get them by design, not by a missing variant.
DEFAULT_LANGUAGES = frozenset({"", "en"})


def _variants_check(out: _Collector, graph: Mapping[str, Any], library: Library) -> None:
    """A warning for each message block that has no variant for a language some of the
    workflow's customers speak: they would get the default texts."""
    if not out.translatable or library.customer_locales is None:
        return
    counts = {language: count for language, count in library.customer_locales(graph).items()
              if language not in DEFAULT_LANGUAGES and count > 0}
    if not counts:
        return
    for index, node_id, title, parsed in out.translatable:
        missing = variant_locales_missing(getattr(parsed, "variants", None), counts)
        if not missing:
            continue
        languages = ", ".join(f"{language} ({count})" for language, count
                              in sorted(missing.items(), key=lambda item: (-item[1], item[0])))
        total = sum(missing.values())
        message = ngettext(
            'block "%(block)s" has no text in %(languages)s: %(count)d customer of this '
            "workflow will get the default text",
            'block "%(block)s" has no text in %(languages)s: %(count)d customers of this '
            "workflow will get the default text", total) % {
                "block": title, "languages": languages, "count": total}
        out.node_issue(index, node_id, "config.variants", "variant_missing", message,
                       warning=True)


def _credential_check(out: _Collector, index: int, node_id: str, parsed: Any,
                      library: Library) -> None:
    """A block that names a stored credential (credential_id) sends it with its `method`
    to its `url`, whose host is fixed at design time: refuse what the binding forbids."""
    credential_id = getattr(parsed, "credential_id", None)
    if credential_id is None or library.credential_check is None:
        return
    issue = library.credential_check(credential_id, str(getattr(parsed, "method", "")),
                                     str(getattr(parsed, "url", "")))
    if issue is not None:
        out.node_issue(index, node_id, "config.credential_id", *issue)


def _template_texts(names: tuple[str, ...], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, Liquid source) for each template field; "headers.*" means every value of
    the mapping `headers`, "variants.*.body" every variant's body."""
    return [(f"config.{path}", text) for path, text in template_paths(names, config)]


def _template_check(out: _Collector, index: int, node_id: str, node: Mapping[str, Any],
                    ref: Any, library: Library) -> TemplateInfo | None:
    if not isinstance(ref, Mapping) or not isinstance(ref.get("id"), int) \
            or not isinstance(ref.get("version"), int):
        out.node_issue(index, node_id, "template", "invalid",
                       _("template must be {id, version} with integer values"))
        return None
    info = library.block_template(ref["id"], ref["version"])
    if info is None:
        out.node_issue(index, node_id, "template", "unknown_template",
                       _("no block template %(id)s version %(version)s")
                       % {"id": ref["id"], "version": ref["version"]})
        return None
    if info.state == "draft":
        out.node_issue(index, node_id, "template", "template_not_published",
                       _("block template %(name)r version %(version)s is not published")
                       % {"name": info.name, "version": info.version})
    elif info.state == "deprecated":
        out.node_issue(index, node_id, "template", "template_deprecated",
                       _("block template %(name)r version %(version)s is deprecated")
                       % {"name": info.name, "version": info.version},
                       warning=True)
    if info.base_type != node.get("type"):
        out.node_issue(index, node_id, "type", "template_type_mismatch",
                       _("block template %(name)r is a %(type)s block")
                       % {"name": info.name, "type": info.base_type})
    elif info.base_version != node_version(node):
        out.node_issue(index, node_id, "version", "template_version_mismatch",
                       _("block template %(name)r is made for version %(base)s of its block; "
                         "this step says version %(version)s")
                       % {"name": info.name, "base": info.base_version,
                          "version": node_version(node)})
    config = node.get("config") or {}
    for name in info.locked_fields:
        if name in config and config[name] != info.preset.get(name):
            out.node_issue(index, node_id, f"config.{name}", "locked_field",
                           _("%(field)r is locked by block template %(name)r")
                           % {"field": name, "name": info.name})
    return info


def _edges_check(out: _Collector, edges: list[Mapping[str, Any]], index_of: dict[str, int],
                 types: dict[str, str], ports: dict[str, list[str] | None],
                 triggers: set[str]) -> None:
    seen: set[tuple[Any, Any, Any]] = set()
    for index, edge in enumerate(edges):
        source, target = edge.get("source"), edge.get("target")
        port = edge.get("source_port", "out")
        if source not in index_of:
            out.graph_issue(None, f"edges.{index}.source", "unknown_node",
                            _("edge starts at a node that does not exist: %(id)r") % {"id": source})
        else:
            known = ports[source]
            if known is not None and port not in known:
                listed = ", ".join(known) or _("none")
                out.graph_issue(source, f"edges.{index}.source_port", "unknown_port",
                                _("%(type)s has no output port %(port)r (its ports: %(ports)s)")
                                % {"type": types[source], "port": port, "ports": listed})
        if target not in index_of:
            out.graph_issue(source if source in index_of else None, f"edges.{index}.target",
                            "unknown_node",
                            _("edge ends at a node that does not exist: %(id)r") % {"id": target})
        elif target in triggers:
            out.graph_issue(target, f"edges.{index}.target", "trigger_not_entry",
                            _("a trigger starts the workflow; no edge may lead into it"))
        key = (source, port, target)
        if key in seen:
            out.graph_issue(source if source in index_of else None, f"edges.{index}",
                            "duplicate_edge", _("the same edge appears twice"))
        seen.add(key)


def _graph_shape_check(out: _Collector, index_of: dict[str, int],
                       edges: list[Mapping[str, Any]], triggers: list[str],
                       waits: set[str]) -> None:
    """Reachability from the triggers and loops that never wait (networkx)."""
    digraph = nx.DiGraph()
    digraph.add_nodes_from(index_of)
    digraph.add_edges_from((e["source"], e["target"]) for e in edges
                           if e.get("source") in index_of and e.get("target") in index_of)
    if triggers:
        reached = set(triggers)
        for trigger in triggers:
            reached |= nx.descendants(digraph, trigger)
        for node_id in index_of:
            if node_id not in reached:
                out.node_issue(index_of[node_id], node_id, "", "unreachable",
                               _("no trigger leads to this node"))
    waitless = digraph.subgraph(n for n in index_of if n not in waits)
    for component in nx.strongly_connected_components(waitless):
        members = sorted(component, key=index_of.__getitem__)
        if len(members) == 1 and not waitless.has_edge(members[0], members[0]):
            continue
        loop = " → ".join([*members, members[0]])
        for node_id in members:
            out.node_issue(index_of[node_id], node_id, "", "cycle_without_wait",
                           _("loop without a wait (%(loop)s): add a “Wait” or “Wait for event” "
                             "step inside it") % {"loop": loop})
    _loops_check(out, index_of, waits, digraph, edges)


def _loops_check(out: _Collector, index_of: dict[str, int], waits: set[str],
                 digraph: nx.DiGraph, edges: list[Mapping[str, Any]]) -> None:
    """Loops through a wait are allowed but end only when the customer leaves them or
    the run reaches its limits (a warning). A loop where one port feeds two of its nodes
    runs both branches each round, so its runs double every round (an error)."""
    for component in nx.strongly_connected_components(digraph):
        members = sorted(component, key=index_of.__getitem__)
        if len(members) == 1 and not digraph.has_edge(members[0], members[0]):
            continue
        loop = " → ".join([*members, members[0]])
        inside: dict[tuple[str, str], list[str]] = {}
        for edge in edges:
            source, target = edge.get("source"), edge.get("target")
            if source in component and target in component:
                inside.setdefault((source, str(edge.get("source_port", "out"))), []).append(
                    target)
        fanning = {(source, port): sorted(set(targets), key=index_of.__getitem__)
                   for (source, port), targets in inside.items() if len(set(targets)) > 1}
        for (source, port), targets in fanning.items():
            out.node_issue(index_of[source], source, "", "loop_fans_out",
                           _("port %(port)r leads to %(targets)s, which all come back into "
                             "the loop (%(loop)s): each round would double the run's "
                             "branches. Keep one of these connections in the loop.")
                           # Translators: between node ids, "a1 and b2 and c3".
                           % {"port": port, "targets": _(" and ").join(targets),
                              "loop": loop})
        if not fanning and waits & component:
            first = members[0]
            out.node_issue(index_of[first], first, "", "loop",
                           _("this loop (%(loop)s) repeats until a branch leaves it or the "
                             "run reaches its limits on steps and visits per step")
                           % {"loop": loop}, warning=True)
