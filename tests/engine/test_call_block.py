"""action.call in the engine: the call goes out once through the outbox, the run waits for
that call's call.completed, and the event's `status` picks the port (the wait's
`port_from`). The outcomes arrive as signed Twilio status callbacks against the fake
Twilio server, and a real Celery worker carries the run on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client
from django.utils import timezone

from apps.config.celery import app
from apps.customers.models import Customer, Event
from apps.engine.events import events_handle
from apps.engine.interpreter import run_advance
from apps.engine.models import Run, RunState, Step, Wait
from apps.engine.starting import Entry, runs_start
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from apps.messaging.services import message_send
from apps.tasks.models import TaskQueue
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.engine.test_worker_blocks import wait_for
from tests.messaging.conftest import PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN, twilio_signature
from tests.messaging.fake_provider import FakeProvider
from tests.workflows.graphs import edge, graph, node, trigger

AGENT = "+4930123456"
OUTCOMES = ("answered", "no_answer", "busy", "failed", "voicemail")
PORTS = (*OUTCOMES, "not_called", "timeout")
GRANTED = {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
# Twilio's final status callback for each outcome
CALLBACKS = {
    "answered": {"CallStatus": "completed", "AnsweredBy": "human", "CallDuration": "61"},
    "voicemail": {"CallStatus": "completed", "AnsweredBy": "machine_start",
                  "CallDuration": "15"},
    "busy": {"CallStatus": "busy"},
    "no_answer": {"CallStatus": "no-answer"},
    "failed": {"CallStatus": "failed"},
}


def call_graph(**config: Any) -> dict[str, Any]:
    """feedback.submitted -> call -> a tag node per port (x_<port>)."""
    tags = [node(f"x_{port}", "action.update_customer", {"add_tags": [port]}) for port in PORTS]
    return graph(trigger(),
                 node("cl", "action.call", {"agent_number": AGENT, "timeout": "2h",
                                            "category": "transactional", **config}),
                 *tags,
                 edges=[edge("t1", "cl"), *(edge("cl", f"x_{port}", port) for port in PORTS)])


@pytest.fixture
def twilio(settings) -> Iterator[FakeProvider]:
    """The fake Twilio, calls placed through it; signed callbacks; no quiet hours, and a
    queue that is always open (the tests run at any hour of the real clock)."""
    fake = FakeProvider().start()
    settings.TWILIO_API_BASE_URL = fake.url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = TWILIO_SID, TWILIO_TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.KEEPFLOW_CALL_PROVIDER = "twilio"
    settings.KEEPFLOW_PUBLIC_URL = PUBLIC_URL
    settings.KEEPFLOW_QUIET_HOURS = ""
    yield fake
    fake.stop()


@pytest.fixture
def open_queue(db) -> TaskQueue:
    return TaskQueue.objects.create(name="retention", timezone="UTC", weekdays="0,1,2,3,4,5,6",
                                    opens="00:00", closes="23:59")


def caller(external_id: str = "c1", **consent: Any) -> Customer:
    return Customer.objects.create(external_id=external_id, first_name="Ada",
                                   phone="+4915112345678", timezone="Europe/Berlin",
                                   consent=consent or {"call": GRANTED})


def callback(message: Message, outcome: str) -> int:
    """Twilio's signed status callback for the call, posted to our webhook."""
    url = f"{PUBLIC_URL}/webhooks/twilio/call-status?message={message.pk}"
    params = {"CallSid": message.provider_message_id, **CALLBACKS[outcome]}
    response = Client().post(url.removeprefix(PUBLIC_URL), params,
                             HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params))
    return response.status_code


def steps(run: Run) -> list[tuple[str, str, str]]:
    return [(s.node_id, s.outcome, s.port) for s in run.steps.order_by("id")]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_each_outcome_reaches_its_port_on_a_real_worker(publish, twilio, open_queue,
                                                        outcome) -> None:
    caller()
    workflow = publish(call_graph())
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        ingest("c1", "feedback.submitted", {"score": 2})
        wait_for(lambda: Message.objects.filter(channel="call", status="sent").exists(),
                 "the worker to place the call")
        message = Message.objects.get(channel="call")
        assert callback(message, outcome) == 200
        wait_for(lambda: Run.objects.filter(state=RunState.COMPLETED).exists(),
                 "the outcome to carry the run on")

    run = Run.objects.get(workflow=workflow)
    assert steps(run) == [("t1", "continue", "out"), ("cl", "wait_event", ""),
                          ("cl", "resume", outcome), (f"x_{outcome}", "continue", "out")]
    assert len(twilio.twilio_calls) == 1 and twilio.twilio_calls[0]["to"] == "+4915112345678"
    assert run.variables["cl"]["event"]["properties"]["status"] == outcome
    assert run.variables["cl"]["event"]["properties"]["call_id"] == message.pk


@pytest.mark.django_db
def test_no_outcome_in_time_takes_timeout(publish, twilio, open_queue) -> None:
    caller()
    workflow = publish(call_graph())
    events_handle(ingest("c1", "feedback.submitted", {"score": 2}))
    run = Run.objects.get(workflow=workflow)
    run_advance(run.pk)
    timers_wake(now=timezone.now() + timedelta(hours=2, seconds=5))
    run_advance(run.pk)
    assert steps(run)[-2:] == [("cl", "resume", "timeout"), ("x_timeout", "continue", "out")]


@pytest.mark.django_db
def test_another_calls_outcome_does_not_wake_the_run(publish, twilio, open_queue) -> None:
    customer = caller()
    workflow = publish(call_graph())
    events_handle(ingest("c1", "feedback.submitted", {"score": 2}))
    run = Run.objects.get(workflow=workflow)
    run_advance(run.pk)
    events_handle(ingest(customer.external_id, "call.completed",
                         {"call_id": 999_999, "status": "answered"}))
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.WAITING, steps(run)
    assert Wait.objects.get(run=run).fired_at is None


@pytest.mark.django_db
def test_a_replayed_step_places_no_second_call(publish, twilio, open_queue) -> None:
    caller()
    workflow = publish(call_graph())
    events_handle(ingest("c1", "feedback.submitted", {"score": 2}))
    run = Run.objects.get(workflow=workflow)
    run_advance(run.pk)
    first = Message.objects.get(channel="call")
    message_send(first.pk)

    # The same step again (same visit), as after a retry or a worker lost mid-batch
    Wait.objects.filter(run=run).delete()
    Run.objects.filter(pk=run.pk).update(state=RunState.RUNNING, open_waits=0,
                                         frontier=[{"node": "cl", "visit": 1}])
    run_advance(run.pk)

    assert list(Message.objects.filter(channel="call").values_list("pk", flat=True)) == [
        first.pk]
    assert len(twilio.twilio_calls) == 1
    wait = Wait.objects.get(run=run)
    assert (wait.port_from, wait.ports) == ("status", [*OUTCOMES, "not_called"])
    assert wait.condition == {"all": [{"field": "event.properties.call_id", "op": "eq",
                                       "value": first.pk}]}


@pytest.mark.django_db
def test_quiet_hours_defer_the_call_and_the_wait_counts_from_then(publish, twilio, open_queue,
                                                                  settings) -> None:
    settings.KEEPFLOW_QUIET_HOURS = "21:00-08:00"
    customer = caller()
    workflow = publish(call_graph())
    event_id, = ingest("c1", "feedback.submitted", {"score": 2})
    runs_start([Entry(workflow_id=workflow.pk, version_id=workflow.published_version_id,
                      trigger_node="t1", customer_id=customer.pk, entry_key=f"event:{event_id}",
                      event_id=event_id)])  # not advanced yet: the pass below is at 22:30
    run = Run.objects.get(workflow=workflow)
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    run_advance(run.pk, now=evening)

    message = Message.objects.get(channel="call")
    morning = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    assert (message.status, message.reason, message.next_attempt_at) == (
        "deferred", "quiet_hours", morning)
    assert Wait.objects.get(run=run).wake_at == morning + timedelta(hours=2)
    assert twilio.twilio_calls == []


@pytest.mark.django_db
def test_no_consent_is_not_called(publish, twilio, open_queue) -> None:
    caller(sms=GRANTED)  # an SMS opt-in is no consent to calls
    workflow = publish(call_graph(category="marketing"))
    events_handle(ingest("c1", "feedback.submitted", {"score": 2}))
    run = Run.objects.get(workflow=workflow)
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.COMPLETED
    assert steps(run)[1:] == [("cl", "continue", "not_called"),
                              ("x_not_called", "continue", "out")]
    step = Step.objects.get(run=run, node_id="cl")
    assert step.detail["reason"] == "no_consent"
    assert step.detail["call"]["status"] == "suppressed"
    assert twilio.twilio_calls == []
    assert not Event.objects.filter(type="call.completed").exists()
