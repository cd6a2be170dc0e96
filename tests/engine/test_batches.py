"""Runs advanced together: one transaction and a fixed number of statements for a batch,
new runs advanced in place by the event handler, and the run-by-run fallback when
something in a batch raises."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.interpreter import runs_advance
from apps.engine.models import Run, RunState, Step
from apps.engine.starting import Entry, runs_start
from apps.messaging.models import Message, MessageStatus
from apps.messaging.services import message_queue
from apps.tasks.models import Task
from tests.workflows.graphs import edge, graph, node, sms, trigger

pytestmark = pytest.mark.django_db

SMS_THEN_TASK = graph(
    trigger(event_type="order.delayed"),
    node("f1", "flow.filter", {"condition": {"all": [
        {"field": "event.properties.amount", "op": "gte", "value": 10}]}}),
    sms("a1", body="Hi {{ customer.first_name }}, order {{ event.properties.order }} is late."),
    node("k1", "action.create_task", {"title": "Call {{ customer.first_name }}",
                                      "due_in": "1d", "business_hours": False}),
    edges=[edge("t1", "f1"), edge("f1", "a1", "yes"), edge("a1", "k1")])

LONG_SUBJECT = graph(
    trigger(event_type="order.delayed"),
    node("e1", "action.send_email", {"subject": "{{ event.properties.subject }}",
                                     "body": "Sorry, {{ customer.first_name }}.",
                                     "category": "transactional", "format": "text"}),
    edges=[edge("t1", "e1")])

GRANTED = {"status": "granted", "source": "test", "at": "2026-11-01T00:00:00Z"}


def customers_make(n: int) -> list[Customer]:
    return Customer.objects.bulk_create(
        Customer(external_id=f"c{i}", first_name=f"Ann{i}", email=f"ann{i}@example.com",
                 phone=f"+49151{i:08d}", consent={"email": GRANTED, "sms": GRANTED})
        for i in range(n))


def pending_runs(workflow, customers: list[Customer], **events: dict) -> list[int]:
    """Runs stored but not advanced (as a trigger other than an event leaves them)."""
    ids = [r.event_id for r in events_ingest([
        EventIn(customer_external_id=c.external_id, type="order.delayed",
                properties=events.get(c.external_id, {"amount": 20, "order": f"O-{c.pk}"}),
                idempotency_key=f"k-{c.pk}") for c in customers])]
    version_id = workflow.published_version_id
    started = runs_start([Entry(workflow_id=workflow.pk, version_id=version_id,
                                trigger_node="t1", customer_id=c.pk, entry_key=f"event:{e}",
                                event_id=e) for c, e in zip(customers, ids, strict=True)])
    return started.started


def test_a_batch_costs_the_same_statements_for_5_or_40_runs(publish) -> None:
    workflow = publish(SMS_THEN_TASK)
    customers = customers_make(45)
    statements = []
    for group in (customers[:5], customers[5:]):
        run_ids = pending_runs(workflow, group)
        with CaptureQueriesContext(connection) as queries:
            states = runs_advance(run_ids)
        statements.append(len(queries))
        assert set(states.values()) == {RunState.COMPLETED}
    assert statements[0] == statements[1]
    assert statements[1] <= 20, statements
    # every run has its steps, its text and its task
    assert Step.objects.count() == 45 * 4
    assert Message.objects.filter(status=MessageStatus.QUEUED).count() == 45
    assert Task.objects.count() == 45
    message = Message.objects.get(customer=customers[3])
    assert message.body == f"Hi Ann3, order O-{customers[3].pk} is late."
    step = Step.objects.get(run__customer=customers[3], node_id="a1")
    assert step.detail["message_id"] == message.pk
    assert Step.objects.get(run__customer=customers[3], node_id="k1").detail["task_id"] == \
        Task.objects.get(customer=customers[3]).pk


def test_the_event_handler_advances_new_runs_in_place(publish) -> None:
    publish(SMS_THEN_TASK)
    customers_make(3)
    ids = [r.event_id for r in events_ingest([
        EventIn(customer_external_id=f"c{i}", type="order.delayed",
                properties={"amount": 5 if i == 0 else 50, "order": f"O{i}"})
        for i in range(3)])]
    events_handle(ids)
    # no worker was needed: the runs ended in the handler's transaction
    runs = {run.customer.external_id: run for run in Run.objects.select_related("customer")}
    assert {k: r.state for k, r in runs.items()} == {
        "c0": RunState.COMPLETED, "c1": RunState.COMPLETED, "c2": RunState.COMPLETED}
    assert list(runs["c0"].steps.values_list("node_id", "port")) == [("t1", "out"), ("f1", "no")]
    assert runs["c1"].step_count == 4
    assert Message.objects.count() == 2 and Task.objects.count() == 2


@pytest.fixture
def subject_past_its_column(settings) -> None:
    """A subject limit above the column's 998 characters: the insert raises (a DataError)
    instead of the message failing for its size, so a batch has a run that raises."""
    settings.KEEPFLOW_EMAIL_MAX_SUBJECT_CHARS = 5_000


def test_a_run_that_raises_in_a_batch_fails_alone(publish, subject_past_its_column) -> None:
    workflow = publish(LONG_SUBJECT)
    customers = customers_make(6)
    run_ids = pending_runs(workflow, customers, c4={"subject": "x" * 2000})
    states = runs_advance(run_ids)
    # the batch's insert failed (subject too long); redone run by run, only c4 failed
    bad = Run.objects.get(customer__external_id="c4")
    assert states[bad.pk] == RunState.FAILED
    assert bad.error.startswith("e1: DataError")
    assert Counter(states.values()) == {RunState.COMPLETED: 5, RunState.FAILED: 1}
    assert Message.objects.count() == 5
    assert not Message.objects.filter(run_id=bad.pk).exists()


def test_new_runs_that_raise_in_place_are_left_to_a_worker(publish,
                                                          subject_past_its_column) -> None:
    publish(LONG_SUBJECT)
    customers_make(4)
    ids = [r.event_id for r in events_ingest([
        EventIn(customer_external_id=f"c{i}", type="order.delayed",
                properties={"subject": "x" * 2000 if i == 2 else f"Order {i}"})
        for i in range(4)])]
    events_handle(ids)
    # advancing in place failed: the four runs are stored as they started, nothing sent
    runs = list(Run.objects.order_by("id"))
    assert [(r.state, r.step_count) for r in runs] == [(RunState.PENDING, 0)] * 4
    assert not Message.objects.exists() and not Step.objects.exists()
    # and the worker's batch, redone run by run, fails only the oversized one
    states = runs_advance([r.pk for r in runs])
    assert Counter(states.values()) == {RunState.COMPLETED: 3, RunState.FAILED: 1}
    assert Message.objects.count() == 3


def test_the_frequency_cap_counts_texts_of_the_same_batch(publish, settings) -> None:
    settings.KEEPFLOW_FREQUENCY_CAPS = {"sms": {"count": 1, "days": 7}}
    marketing = graph(trigger(event_type="order.delayed"),
                      node("a1", "action.send_sms", {"body": "Deal!", "category": "marketing"}),
                      edges=[edge("t1", "a1")])
    publish(marketing, name="first")
    publish(marketing, name="second")
    customers_make(1)
    events_handle([r.event_id for r in events_ingest([
        EventIn(customer_external_id="c0", type="order.delayed")])])
    # one event, two workflows, one batch: the second text is over the cap
    assert Counter(Message.objects.values_list("status", "reason")) == {
        (MessageStatus.QUEUED, ""): 1, (MessageStatus.SUPPRESSED, "frequency_cap"): 1}


def test_a_repeated_message_key_in_a_batch_returns_the_first_message(publish) -> None:
    workflow = publish(SMS_THEN_TASK)
    customers = customers_make(3)
    run_ids = pending_runs(workflow, customers)
    first = message_queue(customer=customers[1], channel="sms", body="earlier",
                          category="transactional", idempotency_key=f"run:{run_ids[1]}:a1:1")
    states = runs_advance(run_ids)
    assert set(states.values()) == {RunState.COMPLETED}
    # the batch's insert met the key; run by run, the first call's result was returned
    assert Message.objects.filter(customer=customers[1]).count() == 1
    assert Step.objects.get(run_id=run_ids[1], node_id="a1").detail["message_id"] == \
        first["message_id"]
    assert Message.objects.count() == 3
