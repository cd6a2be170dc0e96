"""Graph validation: one pure function, one row per rule (real blocks registry; block
templates come from an in-memory table)."""

from itertools import pairwise
from typing import Any

import pytest

from apps.common.templating import template_check
from apps.workflows.validation import Library, TemplateInfo, graph_validate
from blocks.registry import block_config_validate, block_find
from tests.workflows.graphs import (
    LOW_SCORE,
    SMS,
    apology,
    edge,
    filter_,
    graph,
    node,
    sms,
    trigger,
    wait,
)

TEMPLATES = {
    (7, 1): TemplateInfo(7, 1, "Apology SMS", "action.send_sms", SMS, ("category",), "published"),
    (7, 2): TemplateInfo(7, 2, "Apology SMS", "action.send_sms", SMS, ("category",), "draft"),
    (8, 1): TemplateInfo(8, 1, "Old SMS", "action.send_sms", SMS, (), "deprecated"),
}
LIBRARY = Library(block_find=block_find, config_validate=block_config_validate,
                  template_check=template_check,
                  block_template=lambda template_id, version: TEMPLATES.get((template_id, version)))


def issues(items: list[dict[str, Any]]) -> set[tuple[str | None, str, str]]:
    return {(item["node"], item["field"], item["code"]) for item in items}


def chain(count: int) -> dict[str, Any]:
    """trigger -> s1 -> s2 -> ... (count SMS nodes)."""
    nodes = [trigger(), *(sms(f"s{i}") for i in range(1, count + 1))]
    ids = [n["id"] for n in nodes]
    return graph(*nodes, edges=[edge(a, b) for a, b in pairwise(ids)])


def dense(count: int) -> dict[str, Any]:
    """trigger plus count-1 SMS nodes, an edge from every node to every later one."""
    nodes = [trigger(), *(sms(f"s{i}") for i in range(1, count))]
    ids = [n["id"] for n in nodes]
    return graph(*nodes, edges=[edge(ids[i], ids[j]) for i in range(count)
                                for j in range(i + 1, count)])


def templated(template_id: int, version: int, config: dict | None = None,
              block_type: str = "action.send_sms") -> dict[str, Any]:
    return graph(trigger(), node("a1", block_type, config or {},
                                 template={"id": template_id, "version": version}),
                 edges=[edge("t1", "a1")])


SPLIT = {"branches": [{"name": "a", "percent": 45}, {"name": "b", "percent": 45}],
         "holdout_percent": 10}

CASES = [
    pytest.param(apology(), set(), set(), id="valid"),
    pytest.param({**apology(), "schema_version": 2},
                 {(None, "schema_version", "unsupported_schema_version")}, set(),
                 id="schema-version"),
    pytest.param(graph(trigger(), node("a1", "action.fax"), edges=[edge("t1", "a1")]),
                 {("a1", "type", "unknown_block_type")}, set(), id="unknown-block-type"),
    pytest.param(graph(trigger(), node("a1", "action.send_sms", {"category": "marketing"}),
                       edges=[edge("t1", "a1")]),
                 {("a1", "config.body", "required")}, set(), id="bad-config-missing-field"),
    pytest.param(graph(trigger(), filter_(condition={"all": [
        {"field": "event.properties.score", "op": "near", "value": 1}]}), sms(),
        edges=[edge("t1", "f1"), edge("f1", "a1", "maybe")]),
        {("f1", "config.condition.all.0.op", "enum")}, set(),
        id="bad-config-nested-and-ports-unknown"),
    pytest.param(graph(trigger(), sms(body="Hi {{ customer.first_name"), edges=[edge("t1", "a1")]),
                 {("a1", "config.body", "template_syntax")}, set(), id="liquid-syntax"),
    pytest.param(graph(trigger(), sms(body="Hi {{ custmer.first_name }}"),
                       edges=[edge("t1", "a1")]),
                 {("a1", "config.body", "unknown_variable")}, set(), id="liquid-unknown-variable"),
    pytest.param(graph(trigger(), sms(body="Hi {{ customer.id }}"), edges=[edge("t1", "a1")]),
                 set(), {("a1", "config.body", "renamed_variable")}, id="liquid-renamed-variable"),
    pytest.param(graph(trigger(), sms(), sms(), edges=[edge("t1", "a1")]),
                 {("a1", "id", "duplicate_node_id")}, set(), id="duplicate-node-id"),
    pytest.param(graph(trigger(), sms(), edges=[edge("t1", "a1"), edge("ghost", "a1")]),
                 {(None, "edges.1.source", "unknown_node")}, set(), id="edge-from-unknown-node"),
    pytest.param(graph(trigger(), sms(), edges=[edge("t1", "a1"), edge("t1", "ghost")]),
                 {("t1", "edges.1.target", "unknown_node")}, set(), id="edge-to-missing-node"),
    pytest.param(graph(trigger(), filter_(), sms(),
                       edges=[edge("t1", "f1"), edge("f1", "a1", "maybe")]),
                 {("f1", "edges.1.source_port", "unknown_port")}, set(), id="bad-port"),
    pytest.param(graph(trigger(), node("s1", "flow.split", SPLIT), sms(), sms("a2"),
                       edges=[edge("t1", "s1"), edge("s1", "a1", "holdout"),
                              edge("s1", "a2", "c")]),
                 {("s1", "edges.2.source_port", "unknown_port")}, set(), id="bad-port-dynamic"),
    pytest.param(graph(trigger(), sms(), edges=[edge("t1", "a1"), edge("t1", "a1")]),
                 {("t1", "edges.1", "duplicate_edge")}, set(), id="duplicate-edge"),
    pytest.param(graph(sms()), {(None, "nodes", "no_trigger")}, set(), id="no-trigger"),
    pytest.param(graph(), {(None, "nodes", "no_trigger")}, set(), id="empty-graph"),
    pytest.param(graph(trigger(), sms(), trigger("t2"),
                       edges=[edge("t1", "a1"), edge("a1", "t2")]),
                 {("t2", "edges.1.target", "trigger_not_entry")}, set(), id="trigger-not-entry"),
    pytest.param(graph(trigger(), sms(), sms("a2"), edges=[edge("t1", "a1")]),
                 {("a2", "", "unreachable")}, set(), id="unreachable"),
    pytest.param(graph(trigger(), filter_(), sms(),
                       edges=[edge("t1", "f1"), edge("f1", "a1", "yes"), edge("a1", "f1")]),
                 {("f1", "", "cycle_without_wait"), ("a1", "", "cycle_without_wait")}, set(),
                 id="cycle-without-wait"),
    pytest.param(graph(trigger(), sms(), edges=[edge("t1", "a1"), edge("a1", "a1")]),
                 {("a1", "", "cycle_without_wait")}, set(), id="self-loop"),
    pytest.param(graph(trigger(), sms(), wait(),
                       edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "a1")]),
                 set(), {("a1", "", "loop")}, id="cycle-through-wait"),
    pytest.param(graph(trigger(), sms(),
                       node("w1", "flow.wait_for_event", {"event_type": "purchase"}),
                       edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "a1", "timeout")]),
                 set(), {("a1", "", "loop")}, id="cycle-through-wait-for-event"),
    # issue 24: wait -> two branches -> back to the wait doubled every round
    pytest.param(graph(trigger(), wait(), sms(), sms("a2"),
                       edges=[edge("t1", "w1"), edge("w1", "a1"), edge("w1", "a2"),
                              edge("a1", "w1"), edge("a2", "w1")]),
                 {("w1", "", "loop_fans_out")}, set(), id="loop-fans-out"),
    pytest.param(graph(trigger(), wait(), sms(), sms("a2"), filter_(),
                       edges=[edge("t1", "w1"), edge("w1", "f1"), edge("f1", "a1", "yes"),
                              edge("f1", "a2", "no"), edge("a1", "w1"), edge("a2", "w1")]),
                 set(), {("w1", "", "loop")}, id="loop-with-exclusive-ports"),
    pytest.param(graph(trigger(), wait(), sms(), sms("a2"),
                       edges=[edge("t1", "w1"), edge("w1", "a1"), edge("w1", "a2"),
                              edge("a1", "w1")]),
                 set(), {("w1", "", "loop")}, id="loop-with-a-branch-out"),
    pytest.param(chain(500), {(None, "nodes", "too_many_nodes")}, set(), id="too-many-nodes"),
    pytest.param(chain(499), set(), set(), id="nodes-at-limit"),
    pytest.param(dense(65), {(None, "edges", "too_many_edges")}, set(), id="too-many-edges"),
    pytest.param(graph(trigger(), node("a1", "action.send_email",
                                       {"subject": "Hi", "body": "x" * 17_000}),
                       edges=[edge("t1", "a1")]),
                 {("a1", "config", "too_large")}, set(), id="config-too-large"),
    pytest.param(templated(7, 1), set(), set(), id="template-preset-fills-config"),
    pytest.param(templated(7, 1, {"body": "Other text"}), set(), set(),
                 id="template-override-unlocked"),
    pytest.param(templated(7, 1, {"category": "marketing"}),
                 {("a1", "config.category", "locked_field")}, set(), id="template-locked-field"),
    pytest.param(templated(7, 1, {"category": "transactional"}), set(), set(),
                 id="template-locked-field-unchanged"),
    pytest.param(templated(9, 1), {("a1", "template", "unknown_template"),
                                   ("a1", "config.body", "required")}, set(),
                 id="template-unknown"),
    pytest.param(templated(7, 2), {("a1", "template", "template_not_published")}, set(),
                 id="template-draft"),
    pytest.param(templated(8, 1), set(), {("a1", "template", "template_deprecated")},
                 id="template-deprecated-warns"),
    pytest.param(templated(7, 1, {"subject": "Hi", "body": "Hi"}, "action.send_email"),
                 {("a1", "type", "template_type_mismatch")}, set(), id="template-type-mismatch"),
]


@pytest.mark.parametrize(("given", "errors", "warnings"), CASES)
def test_graph_validate(given, errors, warnings):
    result = graph_validate(given, LIBRARY)

    assert issues(result.errors) == errors
    assert issues(result.warnings) == warnings
    assert result.valid is (not errors)


def test_issues_name_the_full_path_in_the_request():
    given = graph(trigger(), sms(body="{{ oops"), node("x1", "action.fax"), trigger("t2"),
                  edges=[edge("t1", "a1"), edge("a1", "x1"), edge("a1", "t2")])

    paths = {(e["code"], e["path"]) for e in graph_validate(given, LIBRARY).errors}

    assert paths == {
        ("template_syntax", "graph.nodes.1.config.body"),
        ("unknown_block_type", "graph.nodes.2.type"),
        ("trigger_not_entry", "graph.edges.2.target"),
    }


def test_every_message_is_readable():
    given = graph(trigger(), filter_(), sms(), edges=[edge("t1", "f1"), edge("f1", "a1", "maybe")])

    (error, *_) = graph_validate(given, LIBRARY).errors

    assert error["message"] == "flow.filter has no output port 'maybe' (its ports: yes, no)"


def test_a_cycle_names_its_loop():
    given = graph(trigger(), filter_(), sms(),
                  edges=[edge("t1", "f1"), edge("f1", "a1", "yes"), edge("a1", "f1")])

    messages = {e["message"] for e in graph_validate(given, LIBRARY).errors}

    assert messages == {"loop without a wait (f1 → a1 → f1): add a “Wait” or "
                        "“Wait for event” step inside it"}


def test_a_fanning_loop_names_the_port_and_its_targets():
    given = graph(trigger(), wait(), sms(), sms("a2"),
                  edges=[edge("t1", "w1"), edge("w1", "a1"), edge("w1", "a2"),
                         edge("a1", "w1"), edge("a2", "w1")])

    [error] = graph_validate(given, LIBRARY).errors

    assert error["message"] == (
        "port 'out' leads to a1 and a2, which all come back into the loop "
        "(w1 → a1 → a2 → w1): each round would double the run's branches. Keep one of "
        "these connections in the loop.")


@pytest.mark.parametrize("condition", [LOW_SCORE, None], ids=["with-condition", "without"])
def test_trigger_conditions_are_optional(condition):
    given = graph(trigger(condition=condition), sms(), edges=[edge("t1", "a1")])

    assert graph_validate(given, LIBRARY).valid
