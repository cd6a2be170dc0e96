"""Graphs and helpers shared by the runs API tests."""

from __future__ import annotations

from typing import Any

from apps.engine.interpreter import run_advance
from apps.engine.models import ACTIVE_STATES, Run
from tests.workflows.graphs import edge, graph, node, trigger, wait

# Renders "5" once the customer has attributes.n = 2; fails ("can't divide by 0") while
# the attribute is missing: a deterministic failure that data can fix.
NEEDS_N = {"set_attributes": {"ratio": "{{ 10 | divided_by: customer.attributes.n }}"}}


def tag(node_id: str, name: str) -> dict[str, Any]:
    return node(node_id, "action.update_customer", {"add_tags": [name]})


def simple() -> dict[str, Any]:
    """feedback.submitted -> tag."""
    return graph(trigger(), tag("a", "done"), edges=[edge("t1", "a")])


def waiting() -> dict[str, Any]:
    """feedback.submitted -> wait 1 day -> tag."""
    return graph(trigger(), wait("w1", "1d"), tag("a", "done"),
                 edges=[edge("t1", "w1"), edge("w1", "a")])


def failing() -> dict[str, Any]:
    """feedback.submitted -> ratio (fails without attributes.n) -> tag."""
    return graph(trigger(), node("u1", "action.update_customer", NEEDS_N), tag("a", "done"),
                 edges=[edge("t1", "u1"), edge("u1", "a")])


def manual() -> dict[str, Any]:
    """A manual trigger and an event trigger, both -> tag."""
    return graph(node("m1", "trigger.manual", {}), trigger(), tag("a", "done"),
                 edges=[edge("m1", "a"), edge("t1", "a")])


def advance_all() -> None:
    """Drive every active run to rest on this process (the broker is not used here)."""
    for run_id in Run.objects.filter(state__in=ACTIVE_STATES).order_by("id") \
            .values_list("id", flat=True):
        run_advance(run_id)
