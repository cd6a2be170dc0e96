"""Per-run limits that hold across waits (issue 24, finding 1): a loop through a short
wait, or one that fans out and doubles every round, ends as a failed run with the reason.
Timers are advanced deterministically, one minute per round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.engine.events import events_handle
from apps.engine.interpreter import run_advance
from apps.engine.models import Run, RunState, Wait
from apps.engine.timers import timers_wake
from apps.messaging.models import Message
from tests.engine.conftest import ingest
from tests.workflows.graphs import edge, graph, node, sms, trigger, wait

pytestmark = pytest.mark.django_db

# wait one minute, then two branches (a transactional SMS and a tag) that both go back
# to the wait: the shape validation accepted before issue 24, doubling every round.
FAN_OUT = graph(trigger(), wait("w1", "1m"), sms("a1"),
                node("a2", "action.update_customer", {"add_tags": ["looped"]}),
                edges=[edge("t1", "w1"), edge("w1", "a1"), edge("w1", "a2"),
                       edge("a1", "w1"), edge("a2", "w1")])
LOOP = graph(trigger(), wait("w1", "1m"),
             node("a2", "action.update_customer", {"add_tags": ["looped"]}),
             edges=[edge("t1", "w1"), edge("w1", "a2"), edge("a2", "w1")])


def rounds(run: Run, count: int) -> list[int]:
    """Start the run, then `count` times: a minute later, fire the due timers and
    advance. Returns the open waits after each round."""
    now = timezone.now()
    run_advance(run.pk, now=now)
    open_waits = []
    for _ in range(count):
        now += timedelta(minutes=1, seconds=1)
        timers_wake(now=now)
        run_advance(run.pk, now=now)
        open_waits.append(Wait.objects.filter(run=run).count())
    return open_waits


def test_a_fanning_loop_is_stopped_by_the_visits_limit(publish, customer, settings,
                                                       monkeypatch) -> None:
    # Given a version published before validation refused loops that fan out
    monkeypatch.setattr("apps.workflows.validation._loops_check", lambda *args: None,
                        raising=False)
    publish(FAN_OUT)
    settings.KEEPFLOW_ENGINE = {**settings.KEEPFLOW_ENGINE, "RUN_MAX_NODE_VISITS": 10}
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    run = Run.objects.get()

    # When its timers fire minute after minute
    open_waits = rounds(run, 6)

    # then it doubled until a step was reached more than 10 times, and failed there
    assert open_waits[:2] == [2, 4]
    assert open_waits[2:] == [0, 0, 0, 0]
    run.refresh_from_db()
    assert (run.state, run.open_waits, run.failed_node) == (RunState.FAILED, 0, "w1")
    assert run.error == ("w1: stopped: this step was reached more than 10 times in this run "
                         "(KEEPFLOW_RUN_MAX_NODE_VISITS). Does a loop never end?")
    # and the transactional cap let 5 of its texts through in the hour (the rest suppressed)
    texts = Message.objects.filter(run_id=run.pk)
    assert texts.filter(status="queued").count() == 5
    assert set(texts.exclude(status="queued").values_list("reason", flat=True)) == {
        "transactional_cap"}


def test_a_loop_through_a_wait_is_stopped_by_the_steps_limit(publish, customer,
                                                              settings) -> None:
    publish(LOOP)
    settings.KEEPFLOW_ENGINE = {**settings.KEEPFLOW_ENGINE, "RUN_MAX_STEPS": 20}
    events_handle(ingest("c1", "feedback.submitted", {"score": 3}))
    run = Run.objects.get()

    open_waits = rounds(run, 8)

    # t1 and the first wait are 2 steps; each round 3 more (resume, tag, wait): in the
    # 7th round the tag would be step 22, so the run fails there (a failed step is 22)
    assert open_waits == [1, 1, 1, 1, 1, 1, 0, 0]
    run.refresh_from_db()
    assert (run.state, run.step_count, run.failed_node) == (RunState.FAILED, 22, "a2")
    assert run.error == ("a2: stopped: this run reached its limit of 20 steps "
                         "(KEEPFLOW_RUN_MAX_STEPS). Does a loop never end?")
