"""The daily rollup gives the report exactly the counts of the statement over the raw
tables: for any whole-day period, with re-entries, both versions and both sources of
the control group, goal events that arrive after the rollup (also for long-closed days),
and a rollup that is advanced day by day or skipped by a concurrent pass."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from apps.customers.models import Customer
from apps.reports.models import ReportDay, ReportRollup
from apps.reports.rollup import reports_rollup_all, workflow_rollup
from apps.reports.selectors import report_cells, workflow_cells, workflow_report
from apps.workflows.models import Workflow, WorkflowVersion
from apps.workflows.schemas import Goal
from tests.reports.test_report import TAG, enter, goal_event, person

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 1, tzinfo=UTC)
GOALS = [
    pytest.param(Goal(event_type="order.completed", value_property="amount", within_days=3),
                 id="value-within-3-days"),
    pytest.param(Goal(event_type="order.completed"), id="no-window"),
    pytest.param(None, id="no-goal"),
]


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def key(cells: list) -> list[tuple]:
    return sorted((c.version_id, c.holdout, c.node_id, c.customers, c.converted,
                   round(c.value, 6), round(c.value_squares, 6)) for c in cells)


def campaign(publish, goal: Goal | None, seed: int = 7) -> tuple[int, random.Random]:
    """40 customers entering over 12 days, some several times a day or on several days,
    on two versions, a fifth held out at entry and some by a split; orders spread over
    the days."""
    settings = {"control_percent": 20}
    if goal is not None:
        settings["goal"] = goal.model_dump(mode="json", exclude_none=True)
    workflow = publish(TAG, settings)
    first = workflow.published_version
    second = WorkflowVersion.objects.get(pk=first.pk)
    second.pk, second.number = None, 2
    second._state.adding = True
    second.save()
    rng = random.Random(seed)
    for i in range(40):
        someone = person(f"c{i}")
        for _ in range(rng.choice([1, 1, 2, 3])):
            when = day(rng.randrange(12) + rng.random())
            run = enter(workflow.pk, someone, when,
                        holdout=rng.choice(["", "", "", "entry", "split"]))
            # the nodes passed: none when held out at entry, the trigger before a split
            run.visits = {"entry": {}, "split": {"t1": 1}}.get(
                run.holdout, rng.choice([{"t1": 1}, {"t1": 1, "a": 1}]))
            if when > day(6):
                run.version_id = second.pk
            run.save(update_fields=["version", "visits"])
            if rng.random() < 0.3:  # a second entry the same day
                enter(workflow.pk, someone, when + timedelta(hours=rng.random() * 5))
        for _ in range(rng.choice([0, 1, 2])):
            goal_event(someone, day(rng.random() * 14), amount=rng.choice([5, 12.5, 40]))
    return workflow.pk, rng


def periods(now: datetime) -> list[tuple[datetime, datetime]]:
    return [(day(0), now), (day(2), day(9)), (day(3), day(5) + timedelta(hours=7)),
            (day(5), now), (day(11), now), (day(0), day(1)),
            (day(2) + timedelta(hours=3), day(8))]  # not at midnight: raw tables


@pytest.mark.parametrize("goal", GOALS)
def test_the_rollup_gives_the_raw_counts(publish, goal) -> None:
    # Given a campaign rolled up on day 10 (so days 0-9 are in the rollup)
    workflow_id, rng = campaign(publish, goal)
    now = day(10.5)
    assert workflow_rollup(workflow_id, goal, now=now, settle=timedelta(0))
    assert ReportDay.objects.filter(workflow_id=workflow_id).exists()

    # and orders that arrive after it, also for customers who entered long ago
    for i in range(0, 40, 3):
        goal_event(Customer.objects.get(external_id=f"c{i}"), day(rng.random() * 11),
                   amount=7)

    # Then every period's counts from the rollup equal the raw statement's, per node too
    assert {c.node_id for c in report_cells(workflow_id, goal, day(0), now, now=now,
                                            nodes=True)} == {"", "t1", "a"}
    for date_from, date_to in periods(now):
        for nodes in (False, True):
            raw = report_cells(workflow_id, goal, date_from, date_to, now=now, nodes=nodes)
            assert key(workflow_cells(workflow_id, goal, date_from, date_to, now=now,
                                      nodes=nodes)) == key(raw)
            assert {c.node_id for c in raw} <= ({"", "t1", "a"} if nodes else {""})


@pytest.mark.parametrize("goal", GOALS[:2])
def test_advancing_day_by_day_keeps_the_raw_counts(publish, goal, monkeypatch) -> None:
    # Given a rollup built on day 4, then advanced every day while orders keep arriving
    # (and not rebuilt daily, which would hide the advancing)
    monkeypatch.setattr("apps.reports.rollup.REBUILD_AFTER", timedelta(days=30))
    workflow_id, rng = campaign(publish, goal, seed=11)
    customers = list(Customer.objects.filter(external_id__startswith="c"))
    built = day(4.2)
    workflow_rollup(workflow_id, goal, now=built, settle=timedelta(0))
    for n in range(5, 14):
        for someone in rng.sample(customers, 4):
            goal_event(someone, day(n - 1 + rng.random()), amount=rng.choice([3, 9.5]))
        now = day(n + 0.1)
        assert workflow_rollup(workflow_id, goal, now=now, settle=timedelta(0))
        # then it is not rebuilt (advanced) and its counts stay the raw ones
        state = ReportRollup.objects.get(workflow_id=workflow_id)
        assert (state.built_at, state.through_day) == (built, now.date())
        for date_from, date_to in periods(now):
            raw = report_cells(workflow_id, goal, date_from, date_to, now=now, nodes=True)
            assert key(workflow_cells(workflow_id, goal, date_from, date_to, now=now,
                                      nodes=True)) == key(raw), (n, date_from, date_to)


def test_a_changed_goal_is_counted_raw_until_rebuilt(publish) -> None:
    goal = Goal(event_type="order.completed", within_days=3)
    workflow_id, _ = campaign(publish, goal)
    now = day(12.5)
    workflow_rollup(workflow_id, goal, now=now, settle=timedelta(0))
    other = Goal(event_type="order.completed", within_days=1)
    raw = report_cells(workflow_id, other, day(0), now, now=now)
    # The rollup is for the old goal: the new goal's report is the raw one
    assert key(workflow_cells(workflow_id, other, day(0), now, now=now)) == key(raw)
    # and the next pass rebuilds it for the new goal
    workflow_rollup(workflow_id, other, now=now, settle=timedelta(0))
    assert ReportRollup.objects.get(workflow_id=workflow_id).goal_key.count('"within_days":1')
    assert key(workflow_cells(workflow_id, other, day(0), now, now=now)) == key(raw)


def test_the_watermark_stays_behind_unsettled_events(publish) -> None:
    # Given an order received a minute before the pass (not yet settled)
    goal = Goal(event_type="order.completed")
    workflow_id, _ = campaign(publish, goal)
    now = day(12.5)
    fresh = goal_event(Customer.objects.get(external_id="c1"), now - timedelta(minutes=1))
    workflow_rollup(workflow_id, goal, now=now)
    # then the watermark is before it, and the report counts it from the raw events
    assert ReportRollup.objects.get(workflow_id=workflow_id).event_watermark < fresh.pk
    raw = report_cells(workflow_id, goal, day(0), now, now=now)
    assert key(workflow_cells(workflow_id, goal, day(0), now, now=now)) == key(raw)


def test_the_periodic_pass_is_idempotent_and_reports_use_it(publish) -> None:
    goal = Goal(event_type="order.completed", value_property="amount", within_days=3)
    workflow_id, _ = campaign(publish, goal)
    now = day(12.5)
    assert reports_rollup_all(now) == 1
    def rows() -> list[tuple]:
        return list(ReportDay.objects.filter(workflow_id=workflow_id)
                    .order_by("day", "prev_day", "version_id", "holdout")
                    .values_list("day", "prev_day", "version_id", "holdout", "customers",
                                 "converted", "value"))

    before = rows()
    assert reports_rollup_all(now + timedelta(minutes=5)) == 1
    assert rows() == before
    workflow = Workflow.objects.select_related("published_version").get(pk=workflow_id)
    report = workflow_report(workflow, day(0), now, now=now)
    raw = report_cells(workflow_id, goal, day(0), now, now=now)
    assert report["groups"]["treatment"]["customers"] + report["groups"]["control"][
        "customers"] == sum(c.customers for c in raw)


def test_the_beat_rolls_up_every_five_minutes() -> None:
    from django.conf import settings

    from apps.config.celery import app
    from apps.reports.tasks import reports_rollup

    entry = settings.CELERY_BEAT_SCHEDULE["reports-rollup"]
    assert entry == {"task": reports_rollup.name, "schedule": 300.0}
    assert entry["task"] in app.tasks
