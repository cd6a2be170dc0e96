"""The readable diff between two versions (pure): blocks by title, fields by label, old
and new values, no internal ids in the sentences."""

import re

from django.utils import translation

from apps.workflows.diff import graph_diff
from tests.workflows.graphs import apology, edge, graph, node, sms, trigger, wait


def test_nodes_edges_and_settings_changes_are_listed():
    old = apology()
    new = graph(trigger(), sms(body="Sorry, {{ customer.first_name }}!"), wait(), sms("a2"),
                edges=[edge("t1", "a1"), edge("a1", "w1"), edge("w1", "a2")])
    old_settings = {"re_entry": {"policy": "once", "period_days": None}, "costs": {"sms": "0"}}
    new_settings = {"re_entry": {"policy": "once_per_period", "period_days": 30},
                    "costs": {"sms": "0"}}

    diff = graph_diff(old, old_settings, new, new_settings)

    assert diff["nodes_added"] == [{"id": "w1", "type": "flow.wait", "title": "Wait"},
                                   {"id": "a2", "type": "action.send_sms", "title": "Send SMS 2"}]
    assert diff["nodes_removed"] == []
    trigger_change, sms_change = diff["nodes_changed"]
    assert (trigger_change["title"], trigger_change["config_keys_changed"]) == \
        ("Event", ["condition"])
    assert sms_change["fields"] == [{
        "key": "body", "label": "Text", "old": old["nodes"][1]["config"]["body"],
        "new": "Sorry, {{ customer.first_name }}!"}]
    assert not sms_change["label_changed"] and not sms_change["moved"]
    assert [(e["source_title"], e["source_port"], e["target_title"])
            for e in diff["edges_added"]] == [("Send SMS", "out", "Wait"),
                                              ("Wait", "out", "Send SMS 2")]
    assert diff["edges_removed"] == []
    assert diff["settings_changed"] == [
        {"key": "re_entry.period_days", "label": "Once per period of (days)", "old": None,
         "new": 30},
        {"key": "re_entry.policy", "label": "A customer may enter", "old": "once",
         "new": "once_per_period"},
    ]
    assert diff["summary"] == [
        "Added “Wait”",
        "Added “Send SMS 2”",
        "In “Event”, “Only when” changed",
        "In “Send SMS”, “Text” changed from “Sorry {{ customer.first_name | default: 'there' }},"
        " we will…” to “Sorry, {{ customer.first_name }}!”",
        "Connected “Send SMS” → “Wait”",
        "Connected “Wait” → “Send SMS 2”",
        "Setting “Once per period of (days)” changed from (empty) to 30",
        "Setting “A customer may enter” changed from “once” to “once per N days”",
    ]


def test_no_internal_ids_or_config_keys_in_the_sentences():
    old = graph(trigger(), node("wfe1", "flow.wait_for_event",
                                {"event_type": "order.completed", "timeout": "3d"}),
                edges=[edge("t1", "wfe1")])
    new = graph(trigger(), node("wfe1", "flow.wait_for_event",
                                {"event_type": "order.completed", "timeout": "7d"},
                                label="Bought within a week?"),
                sms("a9"), edges=[edge("t1", "wfe1"), edge("wfe1", "a9", "timeout")])

    summary = graph_diff(old, {}, new, {})["summary"]

    assert summary == [
        "Added “Send SMS”",
        "Renamed “Wait for event” to “Bought within a week?”",
        "In “Bought within a week?”, “Give up after” changed from “3d” to “7d”",
        "Connected “Bought within a week?” (timed out) → “Send SMS”",
    ]
    assert not any(re.search(r"\b(t1|wfe1|a9|timeout_port|event_type)\b", line)
                   for line in summary)


def test_removals_and_a_moved_node_alone_is_no_change():
    old = apology()
    moved = {**old["nodes"][0], "position": {"x": 50.0, "y": 10.0}}
    new = graph(moved)

    diff = graph_diff(old, {}, new, {})

    assert diff["nodes_removed"] == [{"id": "a1", "type": "action.send_sms", "title": "Send SMS"}]
    assert diff["nodes_changed"] == []
    assert diff["summary"] == ["Removed “Send SMS”", "Disconnected “Event” → “Send SMS”"]


def test_identical_versions_have_an_empty_diff():
    diff = graph_diff(apology(), {"a": 1}, apology(), {"a": 1})

    assert diff["summary"] == []
    assert all(diff[key] == [] for key in diff if key != "summary")


def test_settings_and_ports_read_in_the_readers_language():
    old = graph(trigger(), node("wfe1", "flow.wait_for_event", {"event_type": "purchase"}),
                edges=[edge("t1", "wfe1")])
    new = graph(trigger(), node("wfe1", "flow.wait_for_event", {"event_type": "purchase"}),
                sms("a9"), edges=[edge("t1", "wfe1"), edge("wfe1", "a9", "timeout")])
    new_settings = {"re_entry": {"policy": "always"}, "costs": {"currency": "CHF"},
                    "max_active_runs_per_customer": 2, "goal": {"event_type": "purchase"}}

    with translation.override("de"):
        diff = graph_diff(old, {"re_entry": {"policy": "once"}, "goal": None}, new,
                          new_settings)

    assert [s["label"] for s in diff["settings_changed"]] == [
        "Währung", "Ziel", "Ereignistyp des Ziels", "Höchstzahl aktiver Durchläufe pro Kunde",
        "Ein Kunde darf eintreten"]
    assert "„SMS senden“ hinzugefügt" in diff["summary"]
    assert "„Auf Ereignis warten“ (Zeit abgelaufen) → „SMS senden“ verbunden" in diff["summary"]
    assert ("Einstellung „Ein Kunde darf eintreten“ von „einmal“ in "
            "„jedes Mal, wenn der Auslöser greift“ geändert") in diff["summary"]
