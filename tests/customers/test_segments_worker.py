"""The periodic segment refresh through a real Celery worker on Redis: the task runs,
membership follows, the internal event it emits triggers one more task (a refresh for
that customer) which changes nothing."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from apps.config.celery import app
from apps.customers import segments, tasks
from apps.customers.models import Customer, Event, Segment, SegmentMembership
from tests.broker import broker_purge

PRO = {"field": "customer.attributes.plan", "op": "eq", "value": "pro"}
TIMEOUT = 30.0


@pytest.fixture
def finished_tasks() -> Iterator[list[str]]:
    """Names of the tasks the worker has finished, in order."""
    names: list[str] = []
    lock = threading.Lock()

    def record(sender: Any = None, **_: Any) -> None:
        with lock:
            names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


def _wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_periodic_refresh_on_a_real_worker(finished_tasks) -> None:
    # Given a segment, and a customer who now matches without having been refreshed
    ann = Customer.objects.create(external_id="ann", attributes={"plan": "free"})
    Customer.objects.create(external_id="bob", attributes={"plan": "pro"})
    segment = segments.segment_create(name="Pro", condition=PRO)
    Customer.objects.filter(pk=ann.pk).update(attributes={"plan": "pro"})
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # When the periodic task runs on the worker
        tasks.segments_refresh_all.delay()
        # then it runs, and the segment.entered event it emits is processed in turn
        _wait_for(lambda: "handoff.events_drain" in finished_tasks,
                  "the follow-up task of the emitted event")
        # and running it again changes nothing
        tasks.segments_refresh_all.delay()
        _wait_for(lambda: finished_tasks.count("apps.customers.tasks.segments_refresh_all") == 2,
                  "the second refresh")

    assert finished_tasks == ["apps.customers.tasks.segments_refresh_all",
                              "handoff.events_drain",
                              "apps.customers.tasks.segments_refresh_all"]
    assert set(SegmentMembership.objects.values_list("customer__external_id", flat=True)) == {
        "ann", "bob"}
    entered = Event.objects.filter(type__startswith="segment.")
    assert list(entered.values_list("type", "customer__external_id", "properties")) == [
        ("segment.entered", "ann", {"segment_id": segment.pk, "segment_name": "Pro"})]
    stored = Segment.objects.get()
    assert stored.member_count == 2
    assert stored.refreshed_at is not None
