"""The engine under real failures: real Celery worker subprocesses, real PostgreSQL and
Redis. A worker killed with SIGKILL mid-load, the broker stopped and started again (a
private redis-server), a block that raises, and one event posted concurrently.

The side effect counted is the message each run queues (messaging's outbox row, keyed by
run, node and visit) plus the step and node counts that commit with it.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from apps.accounts.services import api_key_create
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event
from apps.engine.counts import node_counts
from apps.engine.models import Run, RunState, Step
from apps.engine.starting import Entry, runs_start
from apps.messaging.models import Message
from tests.engine.workers import broker, drive
from tests.workflows.graphs import edge, graph, node, sms, trigger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RUNS = 1_000
LEASE = 5  # seconds: how soon the sweeper takes back a run whose worker died


@pytest.fixture
def short_lease(settings) -> None:
    settings.KEEPFLOW_ENGINE = {**settings.KEEPFLOW_ENGINE, "LEASE_SECONDS": LEASE}
    settings.KEEPFLOW_QUIET_HOURS = ""
    settings.KEEPFLOW_EVENT_REDISPATCH_SECONDS = 1


def notify_graph() -> dict:
    """order.delayed -> SMS -> tag: two side effects per run, both keyed."""
    return graph(trigger(event_type="order.delayed"), sms("a1"),
                 node("u1", "action.update_customer", {"add_tags": ["notified"]}),
                 edges=[edge("t1", "a1"), edge("a1", "u1")])


def customers_make(n: int) -> list[Customer]:
    consent = {"sms": {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"},
               "email": {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}}
    return Customer.objects.bulk_create(
        Customer(external_id=f"c{i}", first_name=f"N{i}", phone=f"+491511{i:07d}",
                 email=f"c{i}@example.com", consent=consent) for i in range(n))


def events_post(n: int, type_: str = "order.delayed", prefix: str = "e") -> None:
    """n events, one per customer, in one ingest call (one hand-off to the workers)."""
    events_ingest([EventIn(customer_external_id=f"c{i}", type=type_,
                           idempotency_key=f"{prefix}{i}") for i in range(n)])


PATHS = ["event_handler", "worker_batches"]


def load_start(path: str, workflow, settings) -> None:
    """RUNS runs of the workflow on their way, along one of the two ways runs move:
    started and advanced in place by the event handler (events arriving ten per
    request), or started for the workers, which advance them in batches of 20 (as
    scans, fan-outs and manual starts leave them)."""
    if path == "event_handler":
        for start in range(0, RUNS, 10):
            events_ingest([EventIn(customer_external_id=f"c{i}", type="order.delayed",
                                   idempotency_key=f"e{i}") for i in range(start, start + 10)])
        return
    settings.KEEPFLOW_ENGINE = {**settings.KEEPFLOW_ENGINE, "ADVANCE_BATCH": 20}
    runs_start([Entry(workflow_id=workflow.pk, version_id=workflow.published_version_id,
                      trigger_node="t1", customer_id=customer_id, entry_key=f"load:{customer_id}")
                for customer_id in Customer.objects.order_by("id").values_list("id", flat=True)])


def in_flight(worker) -> Counter:
    """Wait until a fifth of the runs completed (the rest still on their way)."""
    deadline = time.monotonic() + 120
    while completed() < RUNS // 5:
        assert worker.alive() and time.monotonic() < deadline, worker.log()
        time.sleep(0.005)
    return Counter(Run.objects.values_list("state", flat=True))


def broker_state(url: str) -> str:
    """The runs' states, what the broker holds and what the worker says it is doing."""
    import redis

    from apps.config.celery import app

    client = redis.Redis.from_url(url)
    held = {key.decode(): client.llen(key) if client.type(key) == b"list" else client.type(key)
            for key in client.scan_iter(count=1000)}
    replies = app.control.inspect(timeout=2).active()
    return (f"runs {dict(Counter(Run.objects.values_list('state', flat=True)))}; "
            f"broker {held}; worker active {replies}")


def completed() -> int:
    return Run.objects.filter(state=RunState.COMPLETED).count()


def assert_every_run_once(workflow_id: int, n: int) -> None:
    """Every run completed once, every side effect happened once."""
    runs = Run.objects.filter(workflow_id=workflow_id)
    assert runs.count() == n
    assert Counter(runs.values_list("state", flat=True)) == {RunState.COMPLETED: n}
    # one step per node per run: nothing was executed twice
    per_node = Counter(Step.objects.filter(run__workflow_id=workflow_id)
                       .values_list("node_id", flat=True))
    assert per_node == {"t1": n, "a1": n, "u1": n}
    assert not Step.objects.values("run_id", "node_id").annotate(n=Count("id")) \
        .filter(n__gt=1).exists()
    # exactly one message per run, under the engine's key
    assert Message.objects.filter(workflow_id=workflow_id).count() == n
    assert not Message.objects.values("run_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    keys = set(Message.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"run:{run_id}:a1:1" for run_id in runs.values_list("id", flat=True)}
    assert Customer.objects.filter(tags=["notified"]).count() == n
    counts = node_counts(workflow_id)
    assert (counts["a1"]["entered"], counts["u1"]["entered"]) == (n, n)


@pytest.mark.parametrize("path", PATHS)
def test_kill_9_a_worker_mid_load_every_run_completes_once(publish, workers, short_lease,
                                                           settings, path):
    # Given 1,000 customers and a workflow that texts each and tags each
    workflow = publish(notify_graph())
    customers_make(RUNS)
    first = workers.start("w1", pool="prefork", concurrency=2)

    # When 1,000 runs are under way and the worker is killed (SIGKILL, the whole group)
    load_start(path, workflow, settings)
    in_flight(first)
    first.kill()
    first.process.wait(10)
    at_kill = Counter(Run.objects.values_list("state", flat=True))
    assert at_kill[RunState.COMPLETED] < RUNS, f"the load ended before the kill: {at_kill}"

    # and a second worker takes over while the sweeper finds what the first one dropped
    workers.start("w2", pool="prefork", concurrency=2)
    drive(lambda: completed() == RUNS, timeout=420, what="every run to complete")

    # Then every run completed once and no side effect happened twice
    assert_every_run_once(workflow.pk, RUNS)
    print(f"states at the kill: {dict(at_kill)}")


@pytest.mark.parametrize("path", PATHS)
def test_broker_restart_under_load_loses_no_run(publish, workers, own_redis, short_lease,
                                                settings, path):
    # Given a private Redis as the broker of this process and of the worker
    workflow = publish(notify_graph())
    customers_make(RUNS)
    workers.redis_url = own_redis.url
    with broker(own_redis.url):
        worker = workers.start("w1", pool="prefork", concurrency=2)
        load_start(path, workflow, settings)

        # When Redis dies (its queue with it: no persistence) while runs are in flight
        in_flight(worker)
        own_redis.stop()
        at_stop = Counter(Run.objects.values_list("state", flat=True))
        time.sleep(2)  # the worker loses its connection and keeps retrying
        # and comes back empty
        own_redis.start()

        # Then the sweeper re-enqueues what the broker lost and every run completes once
        drive(lambda: completed() == RUNS, timeout=420, what="every run to complete",
              diagnose=lambda: broker_state(own_redis.url))
    assert worker.alive()
    assert_every_run_once(workflow.pk, RUNS)
    assert at_stop[RunState.COMPLETED] < RUNS, f"the load ended before the stop: {at_stop}"


def test_events_stored_while_the_broker_is_down_still_start_runs(publish, workers, own_redis,
                                                                  short_lease):
    workflow = publish(notify_graph())
    customers_make(10)
    workers.redis_url = own_redis.url
    with broker(own_redis.url):
        workers.start("w1", pool="solo", concurrency=1)
        own_redis.stop()
        events_post(10)  # stored and committed; the hand-off to the broker fails
        own_redis.start()
        drive(lambda: completed() == 10, timeout=15, what="the runs of the stored events")
    assert Run.objects.filter(workflow=workflow).count() == 10


def test_a_block_that_raises_fails_its_run_visibly_and_the_others_go_on(publish, workers,
                                                                       short_lease, settings):
    # Given an e-mail whose subject comes from the event: a subject longer than a message
    # subject may be (998 characters) makes messaging's insert raise a DataError (once the
    # subject limit, which would fail the message first, is set above the column's size)
    settings.KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS = 5_000
    workers.env_extra["KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS"] = "5000"
    workflow = publish(graph(
        trigger(event_type="order.delayed"),
        node("e1", "action.send_email", {"subject": "{{ event.properties.subject }}",
                                         "body": "Sorry, {{ customer.first_name }}.",
                                         "category": "transactional", "format": "text"}),
        node("u1", "action.update_customer", {"add_tags": ["notified"]}),
        edges=[edge("t1", "e1"), edge("e1", "u1")]))
    customers_make(20)
    workers.start("w1", pool="prefork", concurrency=2)

    # When one of twenty events carries an oversized subject
    events_ingest([EventIn(customer_external_id=f"c{i}", type="order.delayed",
                           properties={"subject": "x" * 2000 if i == 7 else f"Order {i}"},
                           idempotency_key=f"e{i}") for i in range(20)])
    drive(lambda: Run.objects.filter(state__in=[RunState.COMPLETED, RunState.FAILED]).count()
          == 20, timeout=60, what="all twenty runs to end")

    # Then that run failed at the node, with the error on the run and on its step
    bad = Run.objects.get(customer__external_id="c7")
    assert bad.state == RunState.FAILED
    assert bad.failed_node == "e1"
    assert bad.error.startswith("e1: DataError") and "too long" in bad.error
    step = bad.steps.get(node_id="e1")
    assert (step.outcome, step.error) == ("fail", bad.error.removeprefix("e1: "))
    assert not Message.objects.filter(run_id=bad.pk).exists()  # rolled back with the step
    assert Customer.objects.get(external_id="c7").tags == []
    assert node_counts(workflow.pk)["e1"]["failed"] == 1
    # and the nineteen others completed, one message each
    others = Run.objects.exclude(pk=bad.pk)
    assert Counter(others.values_list("state", flat=True)) == {RunState.COMPLETED: 19}
    assert Message.objects.filter(workflow_id=workflow.pk).count() == 19


def test_one_event_posted_concurrently_starts_one_run(publish, workers, live_server,
                                                      short_lease):
    # Given a live API and a worker
    workflow = publish(notify_graph())
    customers_make(1)
    _, raw = api_key_create(name="race", scopes=["events:write"])
    workers.start("w1", pool="prefork", concurrency=2)
    body = json.dumps({"customer_id": "c0", "type": "order.delayed",
                       "idempotency_key": "same-key"}).encode()
    barrier = threading.Barrier(8)
    answers: list[dict] = []
    lock = threading.Lock()

    def post() -> None:
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/events", data=body, method="POST",
            headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"})
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        with lock:
            answers.append(answer)

    # When eight clients post the same event at once
    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    drive(lambda: completed() >= 1, timeout=30, what="the run")
    time.sleep(1)  # a second run, if any, would have had time to start

    # Then one event was stored, one run started and one message queued
    assert len(answers) == 8
    assert sum(a["accepted"] for a in answers) == 1
    assert len({a["events"][0]["id"] for a in answers}) == 1
    assert Event.objects.count() == 1
    assert Run.objects.filter(workflow=workflow).count() == 1
    assert Message.objects.count() == 1
    connection.close()
