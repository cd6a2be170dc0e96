"""The ready list (apps/handoff/ready.py): hand-offs append and queue one drain, drains
take their share and re-arm for the rest, and single events sent one by one reach a real
worker in batches."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from apps.config.celery import app
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import EventPending
from apps.handoff import ready, tasks


@pytest.fixture
def keys() -> Iterator[dict[str, str]]:
    """The list, the flag and the engine's queue of this test process, emptied."""
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    names = {"ready": prefix + ready.READY_KEY, "queued": prefix + ready.QUEUED_KEY,
             "queue": prefix + "celery"}
    client().delete(*names.values())
    yield names
    client().delete(*names.values())


def client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def drains_queued(keys: dict[str, str]) -> int:
    return sum(b"events_drain" in message for message in client().lrange(keys["queue"], 0, -1))


def test_a_burst_is_queued_once_and_taken_in_shares(keys, settings):
    settings.KEEPFLOW_EVENTS_HANDOFF_PARTS = 2
    assert ready.events_ready_push(list(range(1, 31)))
    assert ready.events_ready_push(list(range(31, 46)))
    assert drains_queued(keys) == 1  # the second push found a drain queued

    assert ready.events_ready_take() == list(range(1, 24))  # half of 45, oldest first
    assert drains_queued(keys) == 2  # re-armed for the rest
    assert ready.events_ready_take() == list(range(24, 46))
    assert drains_queued(keys) == 2  # nothing left: no third drain
    assert ready.events_ready_take() == []
    assert client().llen(keys["ready"]) == 0


@pytest.mark.parametrize(("case", "pending", "parts", "taken"), [
    ("one event", 1, 2, 1),
    ("never leaves less than 20 behind", 30, 2, 30),
    ("a burst shared by two workers", 45, 2, 23),
    ("never over 500", 1800, 2, 500),
    ("three workers", 90, 3, 30),
    ("one worker takes all", 300, 1, 300),
])
def test_a_drain_takes_its_share(keys, settings, case, pending, parts, taken):
    settings.KEEPFLOW_EVENTS_HANDOFF_PARTS = parts
    ready.events_ready_push(list(range(pending)))
    assert len(ready.events_ready_take()) == taken, case
    assert client().llen(keys["ready"]) == pending - taken


def test_a_lost_drain_is_replaced_once_its_flag_expires_or_by_the_redispatch(keys):
    ready.events_ready_push([1])
    client().delete(keys["queue"])  # the drain message is lost (a purge, say)
    assert 0 < client().pttl(keys["queued"]) <= ready.QUEUED_TTL_MS
    ready.events_ready_push([2])
    assert drains_queued(keys) == 0  # the flag still stands
    assert not ready.events_ready_rearm()

    client().delete(keys["queued"])  # the flag expired, and no event came since
    assert ready.events_ready_rearm()  # the periodic redispatch's backstop
    assert drains_queued(keys) == 1
    assert not ready.events_ready_rearm()  # one is queued now

    client().delete(keys["queue"], keys["queued"])  # lost again; the flag expired
    ready.events_ready_push([3])
    assert drains_queued(keys) == 1
    assert ready.events_ready_take() == [1, 2, 3]


def test_the_ready_list_steps_aside_for_eager_mode(keys, monkeypatch):
    assert not app.conf.task_always_eager  # loaded now: a change before would be lost
    monkeypatch.setitem(app.conf.changes, "task_always_eager", True)
    assert not ready.events_ready_push([1])
    assert ready.events_ready_take() == []
    assert client().llen(keys["ready"]) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_single_events_reach_a_real_worker_in_batches(keys, monkeypatch):
    """Events posted one per call while the worker is busy wait in the list and are taken
    together: far fewer drains than events, and every event handled."""
    taken: list[int] = []
    original = ready.events_ready_take

    def recording() -> list[int]:
        ids = original()
        if ids:
            taken.append(len(ids))
        return ids

    monkeypatch.setattr(tasks, "events_ready_take", recording)  # the worker is a thread here
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        for i in range(120):
            events_ingest([EventIn(f"c{i % 7}", "page.viewed", idempotency_key=f"s{i}")])
        deadline = time.monotonic() + 60
        while EventPending.objects.exists():
            assert time.monotonic() < deadline, f"still pending; drains took {taken}"
            time.sleep(0.05)
    assert sum(taken) == 120
    assert len(taken) < 60, taken
