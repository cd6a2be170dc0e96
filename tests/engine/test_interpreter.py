"""The interpreter on this process: paths, ports, parallel branches, waits, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.engine.events import events_handle
from apps.engine.interpreter import run_advance
from apps.engine.models import Run, RunState, Step, Wait
from apps.engine.timers import timers_wake
from tests.engine.conftest import ingest
from tests.workflows.graphs import LOW_SCORE, edge, filter_, graph, node, trigger, wait

pytestmark = pytest.mark.django_db



def tag(node_id: str, name: str) -> dict:
    return node(node_id, "action.update_customer", {"add_tags": [name]})


def advance_all() -> None:
    for run_id in Run.objects.filter(state__in=["pending", "running"]).values_list("id", flat=True):
        run_advance(run_id)


def test_event_starts_a_run_that_follows_the_filter_port(publish, customer) -> None:
    publish(graph(trigger(), filter_(condition=LOW_SCORE), tag("yes", "low"), tag("no", "high"),
                  edges=[edge("t1", "f1"), edge("f1", "yes", "yes"), edge("f1", "no", "no")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.COMPLETED
    assert list(run.steps.values_list("node_id", "port")) == [
        ("t1", "out"), ("f1", "yes"), ("yes", "out")]
    customer.refresh_from_db()
    assert customer.tags == ["low"]


def test_parallel_branches_end_when_both_end(publish, customer) -> None:
    publish(graph(trigger(), tag("a", "a"), wait("w1", "1d"), tag("b", "b"),
                  edges=[edge("t1", "a"), edge("t1", "w1"), edge("w1", "b")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.WAITING
    assert Wait.objects.get().wake_at > timezone.now() + timedelta(hours=23)
    # When the timer is due, the scheduler fires it and the run finishes the other branch.
    assert timers_wake(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.COMPLETED
    assert [s.node_id for s in Step.objects.filter(run=run)] == ["t1", "a", "w1", "w1", "b"]
    customer.refresh_from_db()
    assert customer.tags == ["a", "b"]


def test_no_matching_trigger_no_run(publish, customer) -> None:
    publish(graph(trigger(condition=LOW_SCORE), tag("a", "a"), edges=[edge("t1", "a")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 9}))
    events_handle(ingest("c1", "other.event", {"score": 1}))
    assert not Run.objects.exists()


def test_same_event_twice_starts_one_run(publish, customer) -> None:
    publish(graph(trigger(), tag("a", "a"), edges=[edge("t1", "a")]),
            settings={"re_entry": {"policy": "always"}, "max_active_runs_per_customer": 5})
    ids = ingest("c1", "feedback.submitted", {"score": 3})
    events_handle(ids)
    events_handle(ids)
    assert Run.objects.count() == 1
