"""The trigger index follows workflow states, and matching an event costs the same
whatever the number of live workflows that do not listen to it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.engine.events import events_handle
from apps.engine.models import Run, TriggerEntry
from apps.workflows.services import workflow_transition
from tests.engine.conftest import ingest
from tests.workflows.graphs import edge, graph, node, trigger

pytestmark = pytest.mark.django_db


def tagging(event_type: str) -> dict:
    return graph(trigger(event_type=event_type),
                 node("a", "action.update_customer", {"add_tags": ["x"]}),
                 edges=[edge("t1", "a")])


def test_index_follows_publish_pause_resume_archive(publish, publisher_user) -> None:
    workflow = publish(tagging("feedback.submitted"),
                       settings={"goal": {"event_type": "purchase"}})
    assert sorted(TriggerEntry.objects.values_list("kind", "event_type")) == [
        ("event", "feedback.submitted"), ("goal", "purchase")]
    workflow_transition(workflow.pk, "pause", user=publisher_user)
    assert not TriggerEntry.objects.exists()
    workflow_transition(workflow.pk, "resume", user=publisher_user)
    assert TriggerEntry.objects.count() == 2
    workflow_transition(workflow.pk, "archive", user=publisher_user)
    assert not TriggerEntry.objects.exists()


def test_paused_workflow_starts_no_run(publish, publisher_user, customer) -> None:
    workflow = publish(tagging("feedback.submitted"))
    workflow_transition(workflow.pk, "pause", user=publisher_user)
    events_handle(ingest("c1", "feedback.submitted"))
    assert not Run.objects.exists()


def _queries_for_one_event(event_type: str) -> int:
    ids = ingest("c1", event_type)
    with CaptureQueriesContext(connection) as queries:
        events_handle(ids)
    return len(queries)


def test_matching_cost_does_not_grow_with_unrelated_workflows(publish, customer) -> None:
    publish(tagging("feedback.submitted"), name="listener",
            settings={"re_entry": {"policy": "always"}, "max_active_runs_per_customer": 100})
    _queries_for_one_event("feedback.submitted")  # warms the per-process graph cache
    baseline = _queries_for_one_event("feedback.submitted")
    for index in range(30):
        publish(tagging(f"other.event{index}"), name=f"unrelated {index}")
    assert _queries_for_one_event("feedback.submitted") == baseline
    assert Run.objects.count() == 3
