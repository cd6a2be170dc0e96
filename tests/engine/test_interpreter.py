"""The interpreter on this process: paths, ports, parallel branches, waits, failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.engine.events import events_handle
from apps.engine.interpreter import run_advance
from apps.engine.models import Run, RunState, Step, Wait
from apps.engine.starting import Entry, runs_start
from apps.engine.timers import timers_wake
from tests.engine.conftest import ingest
from tests.workflows.graphs import LOW_SCORE, edge, filter_, graph, node, sms, trigger, wait

pytestmark = pytest.mark.django_db



def tag(node_id: str, name: str) -> dict:
    return node(node_id, "action.update_customer", {"add_tags": [name]})


def advance_all() -> None:
    for run_id in Run.objects.filter(state__in=["pending", "running"]).values_list("id", flat=True):
        run_advance(run_id)


def test_event_starts_a_run_that_follows_the_filter_port(publish, customer) -> None:
    publish(graph(trigger(), filter_(condition=LOW_SCORE), tag("yes", "low"), tag("no", "high"),
                  edges=[edge("t1", "f1"), edge("f1", "yes", "yes"), edge("f1", "no", "no")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.COMPLETED
    assert list(run.steps.values_list("node_id", "port")) == [
        ("t1", "out"), ("f1", "yes"), ("yes", "out")]
    customer.refresh_from_db()
    assert customer.tags == ["low"]


def test_parallel_branches_end_when_both_end(publish, customer) -> None:
    publish(graph(trigger(), tag("a", "a"), wait("w1", "1d"), tag("b", "b"),
                  edges=[edge("t1", "a"), edge("t1", "w1"), edge("w1", "b")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.WAITING
    assert Wait.objects.get().wake_at > timezone.now() + timedelta(hours=23)
    # When the timer is due, the scheduler fires it and the run finishes the other branch.
    assert timers_wake(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.COMPLETED
    assert [s.node_id for s in Step.objects.filter(run=run)] == ["t1", "a", "w1", "w1", "b"]
    customer.refresh_from_db()
    assert customer.tags == ["a", "b"]


def test_no_matching_trigger_no_run(publish, customer) -> None:
    publish(graph(trigger(condition=LOW_SCORE), tag("a", "a"), edges=[edge("t1", "a")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 9}))
    events_handle(ingest("c1", "other.event", {"score": 1}))
    assert not Run.objects.exists()


def test_same_event_twice_starts_one_run(publish, customer) -> None:
    publish(graph(trigger(), tag("a", "a"), edges=[edge("t1", "a")]),
            settings={"re_entry": {"policy": "always"}, "max_active_runs_per_customer": 5})
    ids = ingest("c1", "feedback.submitted", {"score": 3})
    events_handle(ids)
    events_handle(ids)
    assert Run.objects.count() == 1


def wait_for(node_id: str = "we", event_type: str = "purchase", timeout: str = "7d") -> dict:
    return node(node_id, "flow.wait_for_event", {"event_type": event_type, "timeout": timeout})


WIN_BACK = graph(trigger(), wait_for(), tag("bought", "bought"), tag("lost", "lost"),
                 edges=[edge("t1", "we"), edge("we", "bought", "happened"),
                        edge("we", "lost", "timeout")])


@pytest.mark.parametrize(("later", "expected_tag", "port"), [
    ("purchase", "bought", "happened"),
    (None, "lost", "timeout"),
], ids=["event-happens", "timeout"])
def test_wait_for_event(publish, customer, later, expected_tag, port) -> None:
    publish(WIN_BACK)
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.WAITING
    if later:
        events_handle(ingest("c1", later, {"amount": 20}))
    else:
        assert timers_wake(now=timezone.now() + timedelta(days=7, seconds=1)) == 1
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.COMPLETED
    assert list(run.steps.values_list("node_id", "outcome", "port"))[-2:] == [
        ("we", "resume", port), (expected_tag, "continue", "out")]
    customer.refresh_from_db()
    assert customer.tags == [expected_tag]
    assert not Wait.objects.exists()


def test_an_event_before_the_wait_does_not_wake_it(publish, customer) -> None:
    publish(WIN_BACK)
    ids = ingest("c1", "feedback.submitted")
    ingest("c1", "purchase")  # stored before the run started waiting
    events_handle(ids)
    advance_all()
    assert Run.objects.get().state == RunState.WAITING


def test_goal_ends_active_runs(publish, customer) -> None:
    publish(WIN_BACK, settings={"goal": {"event_type": "subscription.renewed"}})
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    events_handle(ingest("c1", "subscription.renewed"))
    run = Run.objects.get()
    assert run.state == RunState.EXITED
    assert run.exit_reason == "goal: subscription.renewed"
    assert not Wait.objects.exists()


def test_exit_node_ends_every_branch(publish, customer) -> None:
    publish(graph(trigger(), wait("w1", "1d"), node("x", "flow.exit", {}), tag("a", "a"),
                  edges=[edge("t1", "w1"), edge("t1", "x"), edge("w1", "a")]))
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    run = Run.objects.get()
    assert run.state == RunState.EXITED
    assert not Wait.objects.exists()
    assert timers_wake(now=timezone.now() + timedelta(days=2)) == 0


@pytest.mark.parametrize(("policy", "runs"), [
    ({"policy": "once"}, 1),
    ({"policy": "always"}, 3),
    ({"policy": "once_per_period", "period_days": 30}, 1),
], ids=["once", "always", "once-per-period"])
def test_re_entry_policy(publish, customer, policy, runs) -> None:
    publish(graph(trigger(), tag("a", "a"), edges=[edge("t1", "a")]),
            settings={"re_entry": policy, "max_active_runs_per_customer": 5})
    for _ in range(3):
        events_handle(ingest("c1", "feedback.submitted"))
        advance_all()
    assert Run.objects.count() == runs


def test_one_active_run_per_customer_by_default(publish, customer) -> None:
    publish(WIN_BACK, settings={"re_entry": {"policy": "always"}})
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    events_handle(ingest("c1", "feedback.submitted"))
    assert Run.objects.count() == 1


def test_rate_limit_holds_surplus_runs_for_later_minutes(publish, db) -> None:
    from apps.customers.models import Customer

    publish(graph(trigger(), tag("a", "a"), edges=[edge("t1", "a")]),
            settings={"throttle": {"runs_per_minute": 2}})
    for index in range(5):
        Customer.objects.create(external_id=f"r{index}")
        events_handle(ingest(f"r{index}", "feedback.submitted"))
    advance_all()
    assert Run.objects.filter(state=RunState.COMPLETED).count() == 2
    throttled = Wait.objects.filter(kind="throttle").order_by("wake_at")
    assert throttled.count() == 3
    now = timezone.now()
    assert [round((w.wake_at - now).total_seconds() / 60) for w in throttled] == [1, 1, 2]
    timers_wake(now=now + timedelta(minutes=3))
    advance_all_waiting()
    assert Run.objects.filter(state=RunState.COMPLETED).count() == 5


def advance_all_waiting() -> None:
    for run_id in Run.objects.filter(state__in=["pending", "running", "waiting"]) \
            .values_list("id", flat=True):
        run_advance(run_id)


def test_concurrency_limit_waits_for_capacity(publish, db) -> None:
    from apps.customers.models import Customer

    publish(WIN_BACK, settings={"throttle": {"max_concurrent_runs": 1}})
    for index in range(2):
        Customer.objects.create(external_id=f"k{index}")
        events_handle(ingest(f"k{index}", "feedback.submitted"))
    advance_all()
    first = Run.objects.get(step_count=2)
    second = Run.objects.get(step_count=0)
    assert Wait.objects.get(run=second).kind == "throttle"
    events_handle(ingest(first.customer.external_id, "purchase"))  # the first run ends …
    run_advance(first.pk)
    timers_wake(now=timezone.now() + timedelta(minutes=1))  # … and the held one may start
    run_advance(second.pk)
    second.refresh_from_db()
    assert second.state == RunState.WAITING and second.step_count == 2


def test_erased_customer_ends_the_run(publish, customer) -> None:
    """The safety net: erasure cancels runs itself (tests/customers/test_erasure.py), but a
    run that slips past it still ends when it finds the customer erased."""
    publish(WIN_BACK)
    events_handle(ingest("c1", "feedback.submitted"))
    advance_all()
    from apps.customers.models import Customer

    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    timers_wake(now=timezone.now() + timedelta(days=8))
    run = Run.objects.get()
    run_advance(run.pk)
    run.refresh_from_db()
    assert (run.state, run.exit_reason) == (RunState.EXITED, "customer_erased")


def test_an_event_stored_while_the_wait_is_being_created_is_not_lost(publish, customer) -> None:
    # Given a run about to reach its wait_for_event (started for a worker, as a trigger
    # other than the event handler leaves it), and the awaited event stored (and handled,
    # finding no wait yet) while that pass is under way
    workflow = publish(WIN_BACK)
    event_id, = ingest("c1", "feedback.submitted")
    runs_start([Entry(workflow_id=workflow.pk, version_id=workflow.published_version_id,
                      trigger_node="t1", customer_id=customer.pk, entry_key=f"event:{event_id}",
                      event_id=event_id)])
    pass_started = timezone.now()
    events_handle(ingest("c1", "purchase"))
    # When the pass that creates the wait commits
    run_advance(Run.objects.get().pk, now=pass_started)
    # then the run did not wait for the event it had already missed
    run = Run.objects.get()
    assert run.state == RunState.COMPLETED
    assert list(run.steps.values_list("node_id", "port")) == [
        ("t1", "out"), ("we", "happened"), ("bought", "out")]


def test_frequency_cap_holds_across_workflows(publish, customer, settings) -> None:
    from apps.messaging.models import Message

    # Given four live workflows that each text a marketing SMS on the same event
    settings.KEEPFLOW_QUIET_HOURS = ""
    for index in range(4):
        publish(graph(trigger(), node("s", "action.send_sms", {"body": f"Offer {index}",
                                                              "category": "marketing"}),
                      edges=[edge("t1", "s")]), name=f"promo {index}")
    # When the customer's event starts all four
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    # then the cap (3 in 7 days per channel) lets three through and suppresses the fourth
    statuses = sorted(Message.objects.values_list("status", flat=True))
    assert statuses.count("suppressed") == 1 and len(statuses) == 4
    suppressed = Message.objects.get(status="suppressed")
    assert "cap" in suppressed.reason
    assert Run.objects.filter(state=RunState.COMPLETED).count() == 4


def test_a_template_that_fails_to_render_fails_the_run_naming_the_field(publish, customer
                                                                        ) -> None:
    """The engine's context raises blocks' RenderError, which the block turns into a failure
    that names its field (not a crash of the pass)."""
    publish(graph(trigger(), sms(body="{% for i in (1..20000) %}x{% endfor %}"),
                  edges=[edge("t1", "a1")]))
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    advance_all()
    run = Run.objects.get()
    assert (run.state, run.failed_node) == (RunState.FAILED, "a1")
    assert run.error == "a1: body (line 1): loop iteration limit reached"
