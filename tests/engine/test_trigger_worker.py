"""Every trigger kind through a real Celery worker on Redis: event, segment (profile change
-> segment refresh -> segment.entered -> run), date, inactivity, schedule (scan ->
fan-out steps -> runs), webhook and manual. Each run completes with its steps."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.test import Client
from django.utils import timezone

from apps.config.celery import app
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer
from apps.customers.segments import segment_create
from apps.customers.services import customer_upsert
from apps.engine import tasks
from apps.engine.models import Fanout, Run, RunState, TriggerEntry
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.workflows.graphs import edge, graph, node, trigger

TIMEOUT = 60.0
PRO = {"field": "customer.attributes.plan", "op": "eq", "value": "pro"}

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def tagged(start: dict) -> dict:
    return graph(start, node("a", "action.update_customer", {"add_tags": ["reached"]}),
                 edges=[edge(start["id"], "a")])


@pytest.fixture
def worker() -> Iterator[None]:
    broker_purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


@pytest.fixture
def tasks_ran() -> Iterator[list[str]]:
    """The names of the tasks the worker ran (issue 17: runs start and end in the task
    that starts them, with no runs_advance task of their own)."""
    ran: list[str] = []

    def record(sender=None, **kwargs) -> None:
        ran.append(sender.name)

    signals.task_prerun.connect(record)
    yield ran
    signals.task_prerun.disconnect(record)


def completed(count: int = 1) -> Callable[[], bool]:
    return lambda: Run.objects.filter(state=RunState.COMPLETED).count() == count


def assert_completed_runs(trigger_node: str, external_ids: list[str]) -> None:
    runs = Run.objects.order_by("customer__external_id").select_related("customer")
    assert [r.customer.external_id for r in runs] == sorted(external_ids)
    for run in runs:
        assert run.state == RunState.COMPLETED
        assert list(run.steps.values_list("node_id", "port")) == [(trigger_node, "out"),
                                                                   ("a", "out")]
        run.customer.refresh_from_db()
        assert run.customer.tags == ["reached"]


def test_event_trigger(publish, customer, worker) -> None:
    publish(tagged(trigger()))
    [event_id] = ingest("c1", "feedback.submitted", {"score": 3})
    wait_for(completed(), "the run")
    assert_completed_runs("t1", ["c1"])
    assert Run.objects.get().entry_key == f"event:{event_id}"


def test_segment_trigger_end_to_end(publish, worker) -> None:
    # Given a segment of pro customers and a workflow for those who enter it
    segment = segment_create(name="Pro", condition=PRO)
    publish(tagged(node("s1", "trigger.segment", {"segment_id": segment.pk, "on": "entered"})))
    # When a profile changes (the API's upsert): the worker refreshes the segment, which
    # emits segment.entered, which starts the run
    customer_upsert("ann", {"attributes": {"plan": "pro"}}, source="api")
    wait_for(completed(), "the run started by segment.entered")
    assert_completed_runs("s1", ["ann"])
    assert Run.objects.get().trigger_event.type == "segment.entered"


def test_date_trigger(publish, worker, tasks_ran) -> None:
    # A due time ten minutes ago in Tokyo: the first scan (grace window) picks it up
    due = (timezone.now() - timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Tokyo"))
    Customer.objects.create(external_id="tokyo", timezone="Asia/Tokyo",
                            attributes={"renewal": due.date().isoformat()})
    Customer.objects.create(external_id="later", timezone="Asia/Tokyo",
                            attributes={"renewal": (due.date() + timedelta(days=3)).isoformat()})
    publish(tagged(node("t1", "trigger.date", {"attribute": "renewal", "offset_days": 0,
                                               "at_local_time": due.strftime("%H:%M")})))
    tasks.trigger_scan_task.delay("date")
    wait_for(completed(), "the date run")
    assert_completed_runs("t1", ["tokyo"])
    # the scan advanced the run it started
    assert "engine.trigger_scan" in tasks_ran and "engine.runs_advance" not in tasks_ran


def test_inactivity_trigger(publish, worker, tasks_ran) -> None:
    events_ingest([EventIn(customer_external_id="quiet", type="purchase",
                           occurred_at=timezone.now() - timedelta(days=1, minutes=10)),
                   EventIn(customer_external_id="busy", type="purchase",
                           occurred_at=timezone.now() - timedelta(hours=2))])
    publish(tagged(node("t1", "trigger.inactivity", {"event_type": "purchase",
                                                     "mode": "fixed_days", "days": 1})))
    tasks.trigger_scan_task.delay("inactivity")
    wait_for(completed(), "the inactivity run")
    assert_completed_runs("t1", ["quiet"])
    assert Run.objects.get().entry_key.startswith("inactivity:purchase:")
    assert "engine.runs_advance" not in tasks_ran


def test_schedule_trigger_fans_out_on_the_worker(publish, worker, tasks_ran) -> None:
    for name in ("p1", "p2", "p3", "p4", "p5"):
        Customer.objects.create(external_id=name, attributes={"plan": "pro"})
    Customer.objects.create(external_id="free", attributes={"plan": "free"})
    segment = segment_create(name="Pro", condition=PRO)
    publish(tagged(node("t1", "trigger.schedule", {"cron": "*/5 * * * *", "timezone": "UTC",
                                                   "segment_id": segment.pk,
                                                   "batch_size": 2})))
    # The tick has come (as if the previous scan had remembered it)
    TriggerEntry.objects.filter(kind="schedule").update(
        state={"next_at": (timezone.now() - timedelta(seconds=30)).isoformat()})
    tasks.trigger_scan_task.delay("schedule")
    wait_for(completed(5), "five scheduled runs")
    fanout = Fanout.objects.get()
    assert (fanout.state, fanout.total, fanout.processed, fanout.started) == ("done", 5, 5, 5)
    assert_completed_runs("t1", ["p1", "p2", "p3", "p4", "p5"])
    # each fan-out step advanced the runs it started
    assert "engine.fanout_step" in tasks_ran and "engine.runs_advance" not in tasks_ran


def test_webhook_trigger(publish, worker, tasks_ran) -> None:
    """The calls go through the events' drain: their runs start and end there, with no
    runs_advance task (issue 17: a task per call cost twice the CPU of a single event)."""
    workflow = publish(tagged(node("h1", "trigger.webhook", {
        "event_type": "survey.answered",
        "field_mapping": {"customer_id": "$.who", "properties.score": "$.score"}})))
    event_ids = []
    for who in ("r-1", "r-2", "r-3"):
        response = Client().post(f"/hooks/workflows/{workflow.pk}/{workflow.webhook_secret}",
                                 data=json.dumps({"who": who, "score": 2}),
                                 content_type="application/json")
        assert response.status_code == 202
        event_ids.append(response.json()["event_id"])
    wait_for(completed(3), "the webhook runs")
    assert_completed_runs("h1", ["r-1", "r-2", "r-3"])
    assert sorted(Run.objects.values_list("trigger_event_id", flat=True)) == event_ids
    assert "engine.runs_advance" not in tasks_ran
    assert "handoff.events_drain" in tasks_ran


def test_manual_trigger_through_the_api(publish, worker, client_as) -> None:
    workflow = publish(tagged(node("m1", "trigger.manual")))
    Customer.objects.create(external_id="picked")
    response = client_as("publisher").post(f"/api/v1/workflows/{workflow.pk}/runs",
                                           {"customer_id": "picked"}, format="json")
    assert response.status_code == 201, response.content
    wait_for(completed(), "the manual run")
    assert_completed_runs("m1", ["picked"])
