"""action.call in the dry walk: the call is recorded with the guardrails' verdict, and a
later call.completed picks the port by its `status`, as the engine's wait does."""

import pytest

from apps.workflows.dryrun import graph_walk
from tests.workflows.graphs import edge, graph, node, trigger

NOW = "2026-03-10T12:00:00+00:00"  # a Tuesday, 13:00 in Berlin
LOW_EVENT = {"type": "feedback.submitted", "properties": {"score": 2}}
PORTS = ("answered", "no_answer", "busy", "failed", "voicemail", "not_called", "timeout")
CALLER = {"first_name": "Ada", "phone": "+4915112345678", "timezone": "Europe/Berlin",
          "consent": {"call": {"status": "granted", "source": "web_form",
                               "at": "2026-03-01T00:00:00+00:00"}}}


def call_graph() -> dict:
    """t1 -> call -> one tag node per port (x_<port>)."""
    tags = [node(f"x_{port}", "action.update_customer", {"add_tags": [port]}) for port in PORTS]
    return graph(trigger(),
                 node("cl", "action.call", {"mode": "message", "text": "Hallo",
                                            "menu": "Drücken Sie die 1", "timeout": "2h"}),
                 *tags,
                 edges=[edge("t1", "cl"), *(edge("cl", f"x_{port}", port) for port in PORTS)])


def walk(**given) -> tuple[list[str], list[dict], list[dict]]:
    result = graph_walk(call_graph(), {"now": NOW, "event": LOW_EVENT, "customer": CALLER,
                                       **given})
    assert result.outcome == "completed", result.error
    return result.path, result.effects, result.steps


@pytest.mark.parametrize("status", ["answered", "no_answer", "busy", "failed", "voicemail"])
@pytest.mark.django_db
def test_the_outcome_event_picks_the_port(status):
    path, effects, steps = walk(later_events=[{"type": "call.completed",
                                               "properties": {"status": status}}])
    assert path == ["t1", "cl", f"x_{status}"]
    assert effects[0] == {"type": "place_call", "node": "cl", "mode": "message",
                          "agent_number": "", "text": "Hallo", "menu": "Drücken Sie die 1",
                          "category": "marketing", "queue": "retention"}
    assert steps[1]["message"]["action"] == "send"


@pytest.mark.django_db
def test_without_an_outcome_the_call_times_out():
    path, _effects, steps = walk(later_events=[{"type": "call.key_pressed",
                                                "properties": {"digit": "1"}}])
    assert path == ["t1", "cl", "x_timeout"]
    assert steps[1]["detail"] == "no call.completed until 2026-03-10T14:00:00+00:00"


@pytest.mark.django_db
def test_an_unknown_status_takes_failed():
    path, _, _ = walk(later_events=[{"type": "call.completed",
                                     "properties": {"status": "ringing"}}])
    assert path == ["t1", "cl", "x_failed"]


@pytest.mark.django_db
def test_no_call_consent_is_not_called():
    path, _, steps = walk(customer={**CALLER, "consent": {}})
    assert path == ["t1", "cl", "x_not_called"]
    assert steps[1]["message"] | {"customer": "Ada"} == {
        "customer": "Ada", "channel": "call", "action": "suppress", "reason": "no_consent",
        "until": None}


@pytest.mark.django_db
def test_outside_business_hours_the_call_would_be_held_back():
    from apps.tasks.models import TaskQueue

    TaskQueue.objects.create(name="retention", timezone="Europe/Berlin", weekdays="0,1,2,3,4",
                             opens="14:00", closes="18:00")
    _, _, steps = walk()
    assert (steps[1]["message"]["action"], steps[1]["message"]["reason"],
            steps[1]["message"]["until"]) == ("defer", "business_hours",
                                              "2026-03-10T13:00:00+00:00")
