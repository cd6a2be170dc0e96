"""The after-commit hand-off of new events (apps/handoff/dispatch.py): its direct Redis
publish is a message a real Celery worker runs, Celery's own path is used whenever the
direct one does not apply, and a broker that is down never fails the ingest."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from apps.config.celery import app
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Event, EventPending
from apps.handoff import dispatch
from tests.broker import broker_purge


@pytest.fixture
def finished() -> Iterator[list[tuple[str, Any]]]:
    """(task name, args) of the tasks the worker has finished."""
    done: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def record(sender: Any = None, args: Any = None, **_: Any) -> None:
        with lock:
            done.append((sender.name, args))

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_new_events_reach_a_real_worker_through_the_direct_publish(finished, monkeypatch,
                                                                   caplog):
    # Celery's own path is out of order: only the direct publish can deliver
    monkeypatch.setattr(_events_process(), "delay", _refused)
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        results = events_ingest([EventIn("ann", "purchase", idempotency_key=f"k{i}")
                                 for i in range(3)])
        ids = sorted(r.event_id for r in results)
        deadline = time.monotonic() + 30
        while EventPending.objects.filter(event_id__in=ids).exists():
            assert time.monotonic() < deadline, f"timed out; the worker ran {finished}"
            time.sleep(0.05)
        # a repeat stores nothing and hands nothing on
        events_ingest([EventIn("ann", "purchase", idempotency_key="k0")])
        time.sleep(0.5)
    assert [name for name, _ in finished] == ["handoff.events_drain"]
    assert "could not enqueue" not in caplog.text


@pytest.mark.django_db
def test_where_the_ready_list_does_not_apply_a_batch_goes_as_tasks(
        monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.KEEPFLOW_EVENTS_HANDOFF_PARTS = 2
    sent: list[list[int]] = []
    assert not app.conf.task_always_eager  # loaded now: a change before would be lost
    monkeypatch.setitem(app.conf.changes, "task_always_eager", True)
    monkeypatch.setattr(_events_process(), "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        results = events_ingest([EventIn(f"c{i}", "purchase", idempotency_key=f"e{i}")
                                 for i in range(45)])
    assert [len(chunk) for chunk in sent] == [23, 22]
    assert sorted(i for chunk in sent for i in chunk) == sorted(r.event_id for r in results)


def _events_process():
    from apps.handoff.tasks import events_process

    return events_process


@pytest.mark.django_db
def test_the_direct_path_steps_aside_for_eager_mode_and_other_brokers(monkeypatch):
    task = _events_process()
    assert dispatch.broker_target(task) is not None
    monkeypatch.setitem(app.conf.changes, "task_always_eager", True)
    assert dispatch.broker_target(task) is None
    monkeypatch.delitem(app.conf.changes, "task_always_eager")
    monkeypatch.setitem(app.conf.changes, "broker_url", "amqp://guest@127.0.0.1:5672//")
    assert dispatch.broker_target(task) is None


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_fail_the_ingest(monkeypatch, caplog):
    # Nothing listens on port 1: the direct publish fails, then Celery's retries do.
    monkeypatch.setitem(app.conf.changes, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf.changes, "broker_connection_max_retries", 0)
    monkeypatch.setattr(_events_process(), "delay", _refused)

    results = events_ingest([EventIn("bob", "login", idempotency_key="down-1")])

    assert Event.objects.filter(pk=results[0].event_id).exists()
    assert "could not enqueue handoff.events_process" in caplog.text


def _refused(*args: Any, **kwargs: Any) -> None:
    raise ConnectionRefusedError("broker down")


@pytest.mark.parametrize(("events", "parts", "sizes"), [
    (1, 2, [1]),  # one event: one task
    (30, 2, [20, 10]),  # never under 20 events a task (each has a fixed cost)
    (45, 2, [23, 22]),  # a burst shared by two workers
    (1000, 2, [500, 500]),
    (1800, 2, [500, 500, 500, 300]),  # never over 500
    (90, 3, [30, 30, 30]),
])
def test_a_stored_batch_is_shared_by_the_workers(events, parts, sizes):
    chunks = dispatch.handoff_chunks(list(range(events)), parts)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [i for chunk in chunks for i in chunk] == list(range(events))


@pytest.mark.django_db
def test_the_engine_and_the_deliveries_each_have_their_own_queue(settings):
    import redis

    from apps.handoff.tasks import events_redispatch
    from apps.messaging.tasks import message_reconcile, messages_deliver

    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = {name: f"{prefix}{name}" for name in ("celery", "messages")}
    with app.connection_for_write() as connection:  # as a worker taking both declares them
        for queue in app.amqp.queues.values():
            queue(connection.default_channel).declare()
    client.delete(*keys.values())
    try:
        # Celery's own path (beat, countdowns) and the direct path (hand-offs)
        events_redispatch.delay()
        message_reconcile.delay(1)
        dispatch.enqueue_ids(messages_deliver, [1, 2])
        assert {name: client.llen(key) for name, key in keys.items()} == {
            "celery": 1, "messages": 2}
    finally:
        client.delete(*keys.values())
