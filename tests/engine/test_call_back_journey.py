"""The contact center's journey end to end on a real worker (issue 22): negative feedback
→ an outbound call in the queue's business hours → no answer → a second try later → no
answer again → an SMS with a call-back link → a call-back task with a 4-hour response
target. Calls and the SMS go through the real Twilio SDK to the fake provider; the call
outcomes come back as signed status callbacks. What happened shows in the run inspector
(the run's steps and messages) and in the customer's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from rest_framework.test import APIClient

from apps.config.celery import app
from apps.engine.models import Run, RunState, Wait
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from apps.tasks.models import Task, TaskQueue
from tests.broker import broker_purge
from tests.engine.conftest import ingest
from tests.engine.test_call_block import (
    AGENT,
    GRANTED,
    callback,
    caller,
    twilio,  # noqa: F401  (the fake Twilio fixture)
)
from tests.engine.test_worker_blocks import wait_for
from tests.workflows.graphs import edge, graph, node, trigger

CALL = {"agent_number": AGENT, "timeout": "2h", "category": "transactional",
        "queue": "retention"}
NO_ANSWER = ("no_answer", "busy", "voicemail")


def journey() -> dict:
    """t1 → call1 ─answered→ done
                  └no answer/busy/voicemail→ wait 3h → call2 ─answered→ done
                                                         └no answer…→ SMS → call-back task"""
    return graph(
        trigger(),
        node("call1", "action.call", CALL),
        node("later", "flow.wait", {"mode": "duration", "duration": "3h"}),
        node("call2", "action.call", CALL),
        node("sms", "action.send_sms", {
            "body": "Sorry we missed you, {{ customer.first_name }}. Call us back: "
                    "https://example.com/call-back", "category": "transactional"}),
        node("task", "action.create_task", {
            "kind": "call_back", "queue": "retention", "due_in": "1m",
            "title": "Call {{ customer.first_name }} back: two calls unanswered",
            "priority": "high"}),
        node("done", "action.update_customer", {"add_tags": ["reached"]}),
        edges=[edge("t1", "call1"),
               edge("call1", "done", "answered"),
               *(edge("call1", "later", port) for port in NO_ANSWER),
               edge("later", "call2"),
               edge("call2", "done", "answered"),
               *(edge("call2", "sms", port) for port in NO_ANSWER),
               edge("sms", "task")],
    )


@pytest.fixture
def retention_queue(db) -> TaskQueue:
    """Always open (the test runs at any hour), call back within 4 hours."""
    return TaskQueue.objects.create(name="retention", timezone="UTC", weekdays="0,1,2,3,4,5,6",
                                    opens="00:00", closes="00:00",
                                    response_target_minutes=240)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_unanswered_calls_lead_to_an_sms_and_a_call_back_task(
        publish, twilio, retention_queue, settings, make_user) -> None:  # noqa: F811
    settings.KEEPFLOW_SMS_PROVIDER = "twilio"
    customer = caller(call=GRANTED, sms=GRANTED)
    workflow = publish(journey())
    broker_purge()

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        ingest("c1", "feedback.submitted", {"score": 2})
        wait_for(lambda: Message.objects.filter(node_id="call1", status="sent").exists(),
                 "the first call")
        first = Message.objects.get(node_id="call1")
        assert callback(first, "no_answer") == 200
        wait_for(lambda: Wait.objects.filter(run__workflow=workflow, node_id="later",
                                             fired_at__isnull=True).exists(),
                 "the run to wait before trying again")

        timers_wake(now=timezone.now() + timedelta(hours=3, seconds=5))  # three hours later
        wait_for(lambda: Message.objects.filter(node_id="call2", status="sent").exists(),
                 "the second call")
        second = Message.objects.get(node_id="call2")
        assert callback(second, "busy") == 200
        wait_for(lambda: Run.objects.filter(workflow=workflow,
                                            state=RunState.COMPLETED).exists(),
                 "the SMS and the call-back task")
        wait_for(lambda: len(twilio.twilio_messages) == 1, "the SMS to reach Twilio")

    run = Run.objects.get(workflow=workflow)
    path = [(step.node_id, step.outcome, step.port) for step in run.steps.order_by("id")]
    assert path == [
        ("t1", "continue", "out"),
        ("call1", "wait_event", ""), ("call1", "resume", "no_answer"),
        ("later", "wait", ""), ("later", "resume", "out"),
        ("call2", "wait_event", ""), ("call2", "resume", "busy"),
        ("sms", "continue", "out"), ("task", "continue", "out"),
    ]
    # two calls to the customer, one SMS with the call-back link, through the real SDK
    assert [call["to"] for call in twilio.twilio_calls] == [customer.phone] * 2
    assert "Call us back: https://example.com/call-back" in twilio.twilio_messages[0]["body"]
    # the call-back task: due at once, to be done within 4 hours
    task = Task.objects.get(customer=customer)
    assert (task.kind, task.queue, task.priority) == ("call_back", "retention", "high")
    assert task.respond_by is not None
    assert task.respond_by - task.due_at == timedelta(hours=4)

    client = APIClient()
    client.force_login(make_user("viewer"))
    # the run inspector: the run's messages with their outcomes in words
    detail = client.get(f"/api/v1/runs/{run.pk}").json()
    channels = [(m["node"], m["channel"]) for m in detail["messages"]]
    assert sorted(channels) == [("call1", "call"), ("call2", "call"), ("sms", "sms")]
    outcomes = {m["node"]: m["outcome"] for m in detail["messages"]}
    assert outcomes == {"call1": "not answered", "call2": "line busy", "sms": "sent"}
    # the customer's timeline: both calls, the SMS and the task
    timeline = client.get("/api/v1/customers/c1").json()["timeline"]
    kinds = [(item["kind"], item.get("data", {}).get("channel")) for item in timeline]
    assert kinds.count(("message", "call")) == 2
    assert ("message", "sms") in kinds
    assert any(item["kind"] == "task" for item in timeline)
