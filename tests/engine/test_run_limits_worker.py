"""Issue 24, finding 1, where it was seen: on a Celery worker, a loop that fans out
(wait → two branches → back to the wait) doubled its open waits and its texts every
round until cancelled. With the per-run limits the run fails at the wait, its waits end
and the transactional cap holds its texts. Each round the test makes the waits due and
fires the timers, as beat does once a minute."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import close_old_connections
from django.utils import timezone

from apps.config.celery import app
from apps.engine.models import Run, RunState, Wait
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.engine.test_run_limits import FAN_OUT

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker() -> Iterator[None]:
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def settled(run_id: int, woken: set[int] = frozenset(), timeout: float = 30.0) -> Run:
    """The run once the worker has taken the `woken` waits and parked or ended it again
    (no step in flight)."""
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        run = Run.objects.get(pk=run_id)
        waits = set(Wait.objects.filter(run=run).values_list("pk", flat=True))
        if run.state in (RunState.WAITING, RunState.FAILED, RunState.COMPLETED) \
                and not waits & woken and run.open_waits == len(waits):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} did not settle: {run.state}")
        time.sleep(0.05)


def test_a_fanning_loop_on_a_worker_fails_at_the_limit(publish, customer, settings,
                                                       monkeypatch, worker) -> None:
    # Given a version published before validation refused loops that fan out
    monkeypatch.setattr("apps.workflows.validation._loops_check", lambda *args: None,
                        raising=False)
    publish(FAN_OUT)
    settings.KEEPFLOW_ENGINE = {**settings.KEEPFLOW_ENGINE, "RUN_MAX_NODE_VISITS": 10}
    ingest("c1", "feedback.submitted", {"score": 3})
    deadline = time.monotonic() + 30
    while not Run.objects.exists():
        assert time.monotonic() < deadline, "the event started no run"
        time.sleep(0.05)
    run = settled(Run.objects.get().pk)

    # When its waits come due round after round
    open_waits = [run.open_waits]
    for _ in range(6):
        woken = set(Wait.objects.filter(run=run).values_list("pk", flat=True))
        Wait.objects.filter(pk__in=woken).update(wake_at=timezone.now())
        timers_wake()
        run = settled(run.pk, woken)
        open_waits.append(run.open_waits)

    # then it doubled until the wait was reached more than 10 times, and failed there
    assert open_waits[:3] == [1, 2, 4]
    assert open_waits[3:] == [0, 0, 0, 0]
    assert (run.state, run.failed_node) == (RunState.FAILED, "w1")
    assert "more than 10 times" in run.error
    # and the worker sent no more than the transactional cap's 5 texts an hour
    texts = Message.objects.filter(run_id=run.pk)
    assert texts.filter(status="sent").count() == 5
    assert set(texts.exclude(status="sent").values_list("status", "reason")) == {
        ("suppressed", "transactional_cap")}
