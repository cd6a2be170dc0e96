"""Fan-out over a segment: batches by customer id, progress on the row, one fan-out per
prefix, redelivered steps start nothing twice, a paused workflow stops it."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Segment, SegmentMembership
from apps.engine.fanout import fanout_start, fanout_step
from apps.engine.models import Fanout, Run
from tests.workflows.graphs import edge, graph, node

pytestmark = pytest.mark.django_db

MANUAL = graph(node("t1", "trigger.manual"),
               node("a", "action.update_customer", {"add_tags": ["hit"]}),
               edges=[edge("t1", "a")])


def segment_of(count: int) -> Segment:
    """A segment with `count` members, written directly (the refresh has its own tests)."""
    segment = Segment.objects.create(name=f"S{count}", condition={
        "field": "customer.attributes.plan", "op": "eq", "value": "pro"})
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"m{number}", attributes={"plan": "pro"})
        for number in range(count))
    now = timezone.now()
    SegmentMembership.objects.bulk_create(
        SegmentMembership(segment=segment, customer=c, entered_at=now) for c in customers)
    return segment


def test_fanout_progress_over_thousands_in_batches(publish, publisher_user) -> None:
    segment = segment_of(2_345)
    workflow = publish(MANUAL)
    fanout = fanout_start(workflow, segment_id=segment.pk, trigger_node="t1",
                          entry_prefix="manual:1", user=publisher_user, batch_size=500)
    assert (fanout.total, fanout.processed, fanout.state) == (2_345, 0, "running")
    progress = []
    began = time.monotonic()
    while fanout_step(fanout.pk):
        fanout.refresh_from_db()
        progress.append((fanout.processed, fanout.started))
    elapsed = time.monotonic() - began
    fanout.refresh_from_db()
    assert progress == [(500, 500), (1000, 1000), (1500, 1500), (2000, 2000)]
    assert (fanout.state, fanout.total, fanout.processed, fanout.started) == (
        "done", 2_345, 2_345, 2_345)
    assert fanout.finished_at is not None and fanout.created_by == publisher_user
    # each step advanced the runs it started (issue 17: no runs_advance task for them)
    assert Run.objects.filter(workflow=workflow, state="completed").count() == 2_345
    assert Customer.objects.filter(tags=["hit"]).count() == 2_345
    assert Run.objects.filter(entry_key__startswith="manual:1:").count() == 2_345
    print(f"fan-out of 2,345 customers: {elapsed:.2f} s")


def test_same_prefix_fans_out_once(publish) -> None:
    segment = segment_of(3)
    workflow = publish(MANUAL)
    first = fanout_start(workflow, segment_id=segment.pk, trigger_node="t1", entry_prefix="p")
    again = fanout_start(workflow, segment_id=segment.pk, trigger_node="t1", entry_prefix="p")
    assert first.pk == again.pk and Fanout.objects.count() == 1


def test_redelivered_steps_start_nothing_twice(publish) -> None:
    segment = segment_of(7)
    workflow = publish(MANUAL, settings={"re_entry": {"policy": "always"}})
    fanout = fanout_start(workflow, segment_id=segment.pk, trigger_node="t1",
                          entry_prefix="p", batch_size=3)
    assert fanout_step(fanout.pk) is True
    # The same message handled again (redelivery after the commit): the next batch
    assert fanout_step(fanout.pk) is True
    assert fanout_step(fanout.pk) is False
    assert fanout_step(fanout.pk) is False  # done: a late duplicate does nothing
    assert Run.objects.count() == 7
    # A step replayed from an earlier state (its cursor lost) finds every run there
    Fanout.objects.filter(pk=fanout.pk).update(state="running", cursor=0, processed=0,
                                               started=0)
    while fanout_step(fanout.pk):
        pass
    fanout.refresh_from_db()
    assert (fanout.processed, fanout.started, Run.objects.count()) == (7, 0, 7)


def test_a_paused_workflow_cancels_its_fanout(publish, publisher_user) -> None:
    from apps.workflows.services import workflow_transition

    segment = segment_of(5)
    workflow = publish(MANUAL)
    fanout = fanout_start(workflow, segment_id=segment.pk, trigger_node="t1",
                          entry_prefix="p", batch_size=2)
    assert fanout_step(fanout.pk) is True
    workflow_transition(workflow.pk, "pause", user=publisher_user)
    assert fanout_step(fanout.pk) is False
    fanout.refresh_from_db()
    assert (fanout.state, fanout.processed, Run.objects.count()) == ("cancelled", 2, 2)
