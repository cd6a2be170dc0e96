"""The workflow's control group (settings.control_percent): stable assignment per
customer and workflow, held out at entry on every way in, recorded as entered, sent
nothing; flow.split's holdout port is marked the same way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers.models import Customer
from apps.engine.events import events_handle
from apps.engine.holdout import HELD_OUT, holdout_is_held_out
from apps.engine.models import NodeCount, Run, RunState, Step
from apps.engine.starting import Entry, Inline, runs_start
from apps.messaging.models import Message
from blocks.flow.split import split_bucket
from tests.engine.conftest import ingest
from tests.engine.runs_helpers import advance_all
from tests.workflows.graphs import edge, graph, node, sms, trigger

GRANTED = {"status": "granted", "source": "test", "at": "2026-01-01T00:00:00Z"}
TEXT = graph(trigger(), sms("a1"), edges=[edge("t1", "a1")])


def customers(n: int, prefix: str = "c") -> list[Customer]:
    return Customer.objects.bulk_create(
        Customer(external_id=f"{prefix}{i}", first_name="Ann", phone=f"+4915112{i:06d}",
                 timezone="Europe/Berlin", consent={"sms": GRANTED}) for i in range(n))


@pytest.mark.parametrize("percent", [0, 10, 25, 50], ids=lambda p: f"{p}%")
def test_assignment_holds_its_share_and_never_changes(percent) -> None:
    # Given 20,000 customers of one workflow
    ids = range(1, 20_001)

    # When they are assigned twice
    first = [holdout_is_held_out(7, i, percent) for i in ids]
    again = [holdout_is_held_out(7, i, percent) for i in ids]

    # then nobody changes group, and the share is the setting within 1 point
    assert first == again
    assert abs(sum(first) / len(first) - percent / 100) < 0.01


def test_assignment_is_independent_of_other_workflows_and_split_nodes() -> None:
    ids = range(1, 20_001)
    mine = {i for i in ids if holdout_is_held_out(7, i, 20)}
    other_workflow = {i for i in ids if holdout_is_held_out(8, i, 20)}
    split_holdout = {i for i in ids if split_bucket(7, "s1", i) < 2_000}
    # Independent 20 % draws overlap in about 4 % of customers (800), not 20 % (4,000).
    assert 650 < len(mine & other_workflow) < 950
    assert 650 < len(mine & split_holdout) < 950


@pytest.mark.django_db
def test_held_out_customers_enter_and_get_nothing(publish) -> None:
    # Given a texting workflow with a control group of 50 %, and 40 customers
    workflow = publish(TEXT, settings={"control_percent": 50})
    people = customers(40)
    held = {c.pk for c in people if holdout_is_held_out(workflow.pk, c.pk, 50)}
    assert 8 < len(held) < 32

    # When each sends the trigger event
    for person in people:
        events_handle(ingest(person.external_id, "feedback.submitted", {"score": 3}))
    advance_all()

    # then every customer entered, with the trigger event
    runs = {run.customer_id: run for run in Run.objects.all()}
    assert set(runs) == {c.pk for c in people}
    assert all(run.trigger_event_id is not None for run in runs.values())
    # the held-out ones ended at once, in the control group, with no step and no text
    for customer_id in held:
        run = runs[customer_id]
        assert (run.state, run.exit_reason, run.holdout) == (RunState.EXITED, HELD_OUT,
                                                             "entry")
        assert run.ended_at is not None and run.step_count == 0
    assert not Step.objects.filter(run__customer_id__in=held).exists()
    assert not Message.objects.filter(customer_id__in=held).exists()
    # and the others were texted
    treated = {c.pk for c in people} - held
    assert {runs[c].state for c in treated} == {RunState.COMPLETED}
    assert {runs[c].holdout for c in treated} == {""}
    assert set(Message.objects.values_list("customer_id", flat=True)) == treated
    # the trigger node counts them
    counted = sum(NodeCount.objects.filter(workflow=workflow, node_id="t1", key=HELD_OUT)
                  .values_list("count", flat=True))
    assert counted == len(held)


@pytest.mark.django_db
def test_a_held_out_customer_stays_held_out_on_every_entry(publish) -> None:
    workflow = publish(TEXT, settings={"control_percent": 50,
                                       "re_entry": {"policy": "always"}})
    people = customers(30)
    person = next(c for c in people if holdout_is_held_out(workflow.pk, c.pk, 50))
    for _ in range(3):
        events_handle(ingest(person.external_id, "feedback.submitted"))
    advance_all()
    assert list(Run.objects.values_list("holdout", flat=True)) == ["entry"] * 3
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_scan_or_fanout_entry_is_held_out_too(publish) -> None:
    # Given the date, inactivity, schedule and fan-out triggers' way in: runs_start with
    # entries, advanced in place
    workflow = publish(graph(node("m1", "trigger.manual", {}), sms("a1"),
                             edges=[edge("m1", "a1")]), settings={"control_percent": 30})
    people = customers(30)
    version_id = workflow.published_version_id
    entries = [Entry(workflow_id=workflow.pk, version_id=version_id, trigger_node="m1",
                     customer_id=c.pk, entry_key=f"date:x:{c.pk}") for c in people]

    result = runs_start(entries, inline=Inline(customers={c.pk: c for c in people}))

    held = {c.pk for c in people if holdout_is_held_out(workflow.pk, c.pk, 30)}
    assert len(result.started) == 30
    assert set(Run.objects.filter(holdout="entry").values_list("customer_id", flat=True)) == held
    assert set(Message.objects.values_list("customer_id", flat=True)) == \
        {c.pk for c in people} - held


@pytest.mark.django_db
def test_a_manual_start_of_a_held_out_customer_says_so(publish, client_as) -> None:
    workflow = publish(graph(node("m1", "trigger.manual", {}), sms("a1"),
                             edges=[edge("m1", "a1")]), settings={"control_percent": 50})
    people = customers(30)
    person = next(c for c in people if holdout_is_held_out(workflow.pk, c.pk, 50))

    response = client_as("publisher").post(f"/api/v1/workflows/{workflow.pk}/runs",
                                           {"customer_id": person.external_id}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["exit_reason"], body["holdout"]) == ("exited", "held_out",
                                                                     "entry")
    advance_all()
    assert not Message.objects.exists()
    listed = client_as("viewer").get(f"/api/v1/runs?workflow={workflow.pk}").json()
    assert [r["holdout"] for r in listed["results"]] == ["entry"]


@pytest.mark.django_db
def test_the_control_group_costs_no_query_per_event(publish) -> None:
    # Given a workflow with a control group, and batches of 4 and of 12 events
    publish(TEXT, settings={"control_percent": 50})
    workflow = Run._meta.apps.get_model("workflows", "Workflow").objects.get()
    people = customers(80)
    held = [c for c in people if holdout_is_held_out(workflow.pk, c.pk, 50)]
    treated = [c for c in people if c not in held]

    def batch(chosen: list[Customer]) -> list[int]:
        return [e for p in chosen for e in ingest(p.external_id, "feedback.submitted")]

    events_handle(batch(held[:1] + treated[:1]))  # warm: the compiled version is cached
    small = batch(held[1:3] + treated[1:3])
    large = batch(held[3:9] + treated[3:9])

    # When each batch is handled
    with CaptureQueriesContext(connection) as four:
        events_handle(small)
    with CaptureQueriesContext(connection) as twelve:
        events_handle(large)

    # then both took the same statements: the assignment is a hash, not a query (the
    # held-out count on the trigger node is one upsert per batch)
    assert Run.objects.filter(holdout="entry").count() == 9
    assert len(twelve.captured_queries) == len(four.captured_queries)


@pytest.mark.django_db
def test_split_holdout_port_marks_the_run(publish) -> None:
    split = node("s1", "flow.split", {"branches": [{"name": "a", "percent": 50}],
                                      "holdout_percent": 50})
    workflow = publish(graph(trigger(), split, sms("a1"), edges=[edge("t1", "s1"),
                                                                 edge("s1", "a1", "a")]))
    people = customers(30)
    for person in people:
        events_handle(ingest(person.external_id, "feedback.submitted"))
    advance_all()
    split_out = {c.pk for c in people if split_bucket(workflow.pk, "s1", c.pk) >= 5_000}
    assert set(Run.objects.filter(holdout="split").values_list("customer_id", flat=True)) \
        == split_out
    assert set(Message.objects.values_list("customer_id", flat=True)) == \
        {c.pk for c in people} - split_out
