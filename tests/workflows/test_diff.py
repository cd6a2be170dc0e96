"""The readable diff between two versions (pure)."""

from apps.workflows.diff import graph_diff
from tests.workflows.graphs import apology, edge, graph, sms, trigger, wait


def test_nodes_edges_and_settings_changes_are_listed():
    old = apology()
    new = graph(trigger(), sms(body="Sorry, {{ customer.first_name }}!"), wait(), sms("a2"),
                edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "a2")])
    old_settings = {"re_entry": {"policy": "once", "period_days": None}, "costs": {"sms": "0"}}
    new_settings = {"re_entry": {"policy": "once_per_period", "period_days": 30},
                    "costs": {"sms": "0"}}

    diff = graph_diff(old, old_settings, new, new_settings)

    assert diff["nodes_added"] == [{"id": "w1", "type": "flow.wait"},
                                   {"id": "a2", "type": "action.send_sms"}]
    assert diff["nodes_removed"] == []
    assert diff["nodes_changed"] == [
        {"id": "t1", "type": "trigger.event", "type_changed": False,
         "config_keys_changed": ["condition"], "template_changed": False,
         "label_changed": False, "moved": False},
        {"id": "a1", "type": "action.send_sms", "type_changed": False,
         "config_keys_changed": ["body"], "template_changed": False,
         "label_changed": False, "moved": False},
    ]
    assert diff["edges_added"] == [{"source": "a1", "source_port": "out", "target": "w1"},
                                   {"source": "w1", "source_port": "out", "target": "a2"}]
    assert diff["edges_removed"] == []
    assert diff["settings_changed"] == [
        {"key": "re_entry.period_days", "old": None, "new": 30},
        {"key": "re_entry.policy", "old": "once", "new": "once_per_period"},
    ]
    assert diff["summary"] == [
        "Added w1 (flow.wait)",
        "Added a2 (action.send_sms)",
        "Changed t1: changed condition",
        "Changed a1: changed body",
        "Connected a1.out → w1",
        "Connected w1.out → a2",
        "Setting re_entry.period_days: None → 30",
        "Setting re_entry.policy: 'once' → 'once_per_period'",
    ]


def test_removals_and_a_moved_node_alone_is_no_change():
    old = apology()
    moved = {**old["nodes"][0], "position": {"x": 50.0, "y": 10.0}}
    new = graph(moved)

    diff = graph_diff(old, {}, new, {})

    assert diff["nodes_removed"] == [{"id": "a1", "type": "action.send_sms"}]
    assert diff["nodes_changed"] == []
    assert diff["edges_removed"] == [{"source": "t1", "source_port": "out", "target": "a1"}]
    assert diff["summary"] == ["Removed a1 (action.send_sms)", "Disconnected t1.out → a1"]


def test_identical_versions_have_an_empty_diff():
    diff = graph_diff(apology(), {"a": 1}, apology(), {"a": 1})

    assert diff["summary"] == []
    assert all(diff[key] == [] for key in diff if key != "summary")
