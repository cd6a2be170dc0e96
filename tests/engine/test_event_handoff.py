"""Nothing is lost between ingest and the engine: a stored event stays pending until its
handlers have run, and the redispatch hands on what the broker lost."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from apps.config.celery import app
from apps.customers import ingest as ingest_module
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, EventPending
from apps.engine.models import Run, RunState
from apps.handoff import tasks as tasks_module
from apps.handoff.tasks import events_process, events_redispatch
from tests.broker import broker_purge
from tests.workflows.graphs import edge, graph, node, trigger


def _ingest(key: str, customer: str = "c1") -> int:
    [result] = events_ingest([EventIn(customer_external_id=customer, type="feedback.submitted",
                                      properties={"score": 2}, idempotency_key=key)])
    return result.event_id


@pytest.mark.django_db
def test_an_event_is_pending_until_its_handlers_ran() -> None:
    event_id = _ingest("k1")
    assert list(EventPending.objects.values_list("event_id", flat=True)) == [event_id]
    events_process([event_id])
    assert not EventPending.objects.exists()


@pytest.mark.django_db
def test_a_batch_and_an_unknown_customer_are_pending_too() -> None:
    results = events_ingest([EventIn(customer_external_id=f"new{i}", type="x",
                                     idempotency_key=f"b{i}") for i in range(3)])
    assert set(EventPending.objects.values_list("event_id", flat=True)) == {
        r.event_id for r in results}


@pytest.mark.django_db
def test_redispatch_forgets_events_erased_since() -> None:
    event_id = _ingest("k2")
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=5))
    Customer.objects.get(external_id="c1").events.all().delete()
    assert events_redispatch() == 0
    assert not EventPending.objects.filter(event_id=event_id).exists()


@pytest.mark.django_db
def test_redispatch_hands_an_event_on_once_per_period(monkeypatch) -> None:
    """Where the ready list does not apply (eager mode, another broker), every old pending
    event is handed on again as a task, but once per period, not on every run."""
    sent: list[list[int]] = []
    monkeypatch.setattr(events_process, "delay", sent.append)
    monkeypatch.setattr(tasks_module, "events_lost", lambda ids: None)
    event_id = _ingest("k3")
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=5))
    assert events_redispatch() == 1
    assert events_redispatch() == 0  # still pending, but handed on just now
    assert sent == [[event_id]]
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=5))
    assert events_redispatch() == 1  # a period later: again


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_lost_hand_off_still_starts_the_run(publish, monkeypatch) -> None:
    # Given a live workflow, and a broker that loses the hand-off of one event
    publish(graph(trigger(), node("a", "action.update_customer", {"add_tags": ["seen"]}),
                  edges=[edge("t1", "a")]))
    monkeypatch.setattr(ingest_module, "events_ingested", lambda ids: None)
    event_id = _ingest("lost-1")
    broker_purge()
    assert not Run.objects.exists()
    # When a minute has passed and the periodic redispatch runs
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=2))
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        assert events_redispatch() == 1
        deadline = time.monotonic() + 30
        while not Run.objects.filter(state=RunState.COMPLETED).exists():
            assert time.monotonic() < deadline, "the redispatched event started no run"
            time.sleep(0.05)
    # then the run started from that event, and nothing is pending any more
    assert Run.objects.get().trigger_event_id == event_id
    assert not EventPending.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_under_a_backlog_only_the_share_of_a_dead_drain_is_handled_again(
    publish, settings
) -> None:
    """Issue 17: a backlog older than the redispatch threshold was sent again whole, and
    every event was handled twice. Now only a share whose drain died is sent again."""
    from apps.engine.models import NodeCount
    from apps.handoff import ready

    # Given a live workflow and a backlog of 60 events no worker has taken yet
    settings.KEEPFLOW_EVENT_LEASE_SECONDS = 1
    publish(graph(trigger(), node("a", "action.update_customer", {"add_tags": ["seen"]}),
                  edges=[edge("t1", "a")]))
    broker_purge()
    events_ingest([EventIn(customer_external_id=f"c{i}", type="feedback.submitted",
                           properties={"score": 2}, idempotency_key=f"b{i}")
                   for i in range(60)])
    # and a drain that took its share and died with it
    dead_share = ready.events_ready_take()
    assert len(dead_share) == 30
    # When minutes pass, the claim runs out and the periodic redispatch runs
    EventPending.objects.update(handed_on_at=timezone.now() - timedelta(minutes=5))
    time.sleep(1.1)
    assert events_redispatch() == 30  # the dead share only, not the 30 waiting
    # then a worker handles every event once: one run each, no entry refused as a repeat
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        deadline = time.monotonic() + 60
        while Run.objects.filter(state=RunState.COMPLETED).count() < 60 \
                or EventPending.objects.exists():
            assert time.monotonic() < deadline, "the backlog was not handled"
            time.sleep(0.05)
        assert events_redispatch() == 0
    assert Run.objects.count() == 60
    assert not NodeCount.objects.filter(key__startswith="skipped:").exists()
