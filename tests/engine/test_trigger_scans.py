"""The periodic trigger scans on this process, with driven time: date (time zones, once per
customer and date, no firing for dates long past), inactivity (fixed days and the
customer's own rhythm, in SQL and in Python) and schedule (cron over a segment)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from apps.customers import segments
from apps.customers.models import Customer, Event, EventSource
from apps.engine.models import Fanout, Run, TriggerEntry
from apps.engine.scans import Scan, trigger_scan, trigger_scans_due
from blocks.registry import block_get
from blocks.triggers.inactivity import (
    InactivityTriggerConfig,
    inactivity_candidates,
    inactivity_due_at,
)
from tests.workflows.graphs import edge, graph, node

pytestmark = pytest.mark.django_db

ALWAYS = {"re_entry": {"policy": "always"}, "max_active_runs_per_customer": 10}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def tagged(trigger: dict) -> dict:
    return graph(trigger, node("a", "action.update_customer", {"add_tags": ["hit"]}),
                 edges=[edge(trigger["id"], "a")])


def date_trigger(offset: int = -30, at_local: str = "09:00") -> dict:
    return node("t1", "trigger.date", {"attribute": "contract_end", "offset_days": offset,
                                       "at_local_time": at_local})


def runs() -> list[tuple[str, str]]:
    """(customer, entry key) of every run; date keys without their closing customer id
    (an inactivity key ends with an event id, which may equal the customer's)."""
    return sorted((external_id, key.removesuffix(f":{customer_id}") if key.startswith("date:")
                   else key) for external_id, key, customer_id in
                  Run.objects.values_list("customer__external_id", "entry_key", "customer_id"))


def person(external_id: str, time_zone: str = "UTC", **attributes: object) -> Customer:
    return Customer.objects.create(external_id=external_id, timezone=time_zone,
                                   attributes=attributes)


# --- date -------------------------------------------------------------------------------


def test_date_fires_at_local_time_in_each_customers_zone(publish) -> None:
    # Given 30 days before contract end at 09:00 local; 2026-11-01 is the day Los Angeles
    # leaves daylight saving time (09:00 PST = 17:00 UTC), Tokyo is UTC+9 (00:00 UTC)
    person("tokyo", "Asia/Tokyo", contract_end="2026-12-01")
    person("la", "America/Los_Angeles", contract_end="2026-12-01")
    person("other-day", "Asia/Tokyo", contract_end="2026-12-02")
    publish(tagged(date_trigger()))

    assert trigger_scan("date", now=at("2026-10-31T23:59:00")) == 0
    assert trigger_scan("date", now=at("2026-11-01T00:00:00")) == 1  # due time is inclusive
    assert runs() == [("tokyo", "date:contract_end:2026-12-01")]
    assert trigger_scan("date", now=at("2026-11-01T16:59:00")) == 0
    assert trigger_scan("date", now=at("2026-11-01T17:04:00")) == 1
    assert runs() == [("la", "date:contract_end:2026-12-01"),
                      ("tokyo", "date:contract_end:2026-12-01")]
    assert TriggerEntry.objects.get(kind="date").state == {
        "scanned_to": "2026-11-01T17:04:00+00:00"}


def test_date_fires_once_per_customer_and_date(publish) -> None:
    ada = person("ada", "Europe/Berlin", contract_end="2026-12-01")
    publish(tagged(date_trigger(offset=0)), settings=ALWAYS)
    due = at("2026-12-01T08:00:00")  # 09:00 in Berlin (CET)
    assert trigger_scan("date", now=due) == 1
    # The same window scanned again (the mark lost, e.g. re-published): nothing new
    TriggerEntry.objects.update(state={})
    assert trigger_scan("date", now=due + timedelta(minutes=5)) == 0
    assert trigger_scan("date", now=due + timedelta(days=3)) == 0
    # A renewed contract is a new date: it fires again, a year later
    ada.attributes = {"contract_end": "2027-12-01"}
    ada.save()
    assert trigger_scan("date", now=at("2027-12-01T07:59:00")) == 0
    assert trigger_scan("date", now=at("2027-12-01T08:01:00")) == 1
    assert runs() == [("ada", "date:contract_end:2026-12-01"),
                      ("ada", "date:contract_end:2027-12-01")]


def test_first_scan_after_publish_fires_only_within_the_grace_window(publish) -> None:
    now = at("2026-06-15T12:00:00")
    person("long-past", contract_end="2026-01-01")
    person("yesterday", contract_end="2026-06-14")
    person("in-grace", contract_end="2026-06-15")  # due 11:30, grace is an hour
    person("as-datetime", contract_end="2026-06-15T18:00:00+00:00")  # the day counts
    person("garbage", contract_end="soon")
    person("number", contract_end=20260615)
    person("missing")
    publish(tagged(date_trigger(offset=0, at_local="11:30")))
    assert block_get("trigger.date").trigger.scan.first_grace == timedelta(hours=1)
    assert trigger_scan("date", now=now) == 2
    assert runs() == [("as-datetime", "date:contract_end:2026-06-15"),
                      ("in-grace", "date:contract_end:2026-06-15")]


def test_date_attribute_as_datetime_is_taken_in_the_customers_zone(publish) -> None:
    # 2026-03-01T02:00Z is still 2026-02-28 in Los Angeles
    person("la", "America/Los_Angeles", renewal="2026-03-01T02:00:00+00:00")
    publish(tagged(node("t1", "trigger.date", {"attribute": "renewal", "offset_days": 1,
                                               "at_local_time": "08:00"})))
    # 2026-03-01 08:00 PST = 16:00 UTC
    assert trigger_scan("date", now=at("2026-03-01T15:59:00")) == 0
    assert trigger_scan("date", now=at("2026-03-01T16:00:00")) == 1
    assert runs() == [("la", "date:renewal:2026-02-28")]


def test_date_scan_ignores_paused_workflows_and_erased_customers(publish, publisher_user
                                                                 ) -> None:
    from apps.workflows.services import workflow_transition

    person("ada", contract_end="2026-05-01")
    Customer.objects.create(external_id="gone", attributes={"contract_end": "2026-05-01"},
                            erased_at=at("2026-01-01T00:00:00"))
    workflow = publish(tagged(date_trigger(offset=0)))
    workflow_transition(workflow.pk, "pause", user=publisher_user)
    assert trigger_scan("date", now=at("2026-05-01T09:00:00")) == 0
    workflow_transition(workflow.pk, "resume", user=publisher_user)
    assert trigger_scan("date", now=at("2026-05-01T09:00:00")) == 1
    assert runs() == [("ada", "date:contract_end:2026-05-01")]


# --- inactivity -------------------------------------------------------------------------


def purchase(customer: Customer, when: datetime) -> Event:
    return Event.objects.create(customer=customer, type="purchase", occurred_at=when,
                                received_at=when, idempotency_key=f"{customer.pk}:{when}",
                                source=EventSource.API)


def test_fixed_days_fires_once_per_silence_and_again_after_a_new_event(publish) -> None:
    ada, bob = person("ada"), person("bob")
    person("never")  # no purchase ever: never inactive
    first = purchase(ada, at("2026-01-01T10:00:00"))
    purchase(bob, at("2026-01-20T10:00:00"))
    publish(tagged(node("t1", "trigger.inactivity", {"event_type": "purchase",
                                                     "mode": "fixed_days", "days": 30})),
            settings=ALWAYS)
    assert trigger_scan("inactivity", now=at("2026-01-31T09:00:00")) == 0
    assert trigger_scan("inactivity", now=at("2026-01-31T10:00:00")) == 1
    assert runs() == [("ada", f"inactivity:purchase:{first.pk}")]
    assert trigger_scan("inactivity", now=at("2026-02-10T10:00:00")) == 0  # still silent: not again
    # Ada buys again, then goes quiet again: a new silence
    second = purchase(ada, at("2026-02-15T10:00:00"))
    assert trigger_scan("inactivity", now=at("2026-02-19T10:00:00")) == 1  # bob, 30 days after
    assert trigger_scan("inactivity", now=at("2026-03-17T10:00:00")) == 1
    assert runs() == [("ada", f"inactivity:purchase:{first.pk}"),
                      ("ada", f"inactivity:purchase:{second.pk}"),
                      ("bob", f"inactivity:purchase:{Event.objects.get(customer=bob).pk}")]


def test_rhythm_uses_the_customers_own_gap(publish) -> None:
    # Ada buys every 10 days, Bob every 60: k=2 -> quiet after 20 and 120 days
    ada, bob, cy = person("ada"), person("bob"), person("cy")
    for day in (0, 10, 20):
        last_ada = purchase(ada, at("2026-01-01T00:00:00") + timedelta(days=day))
    for day in (0, 60, 120):
        purchase(bob, at("2026-01-01T00:00:00") + timedelta(days=day))
    for day in (0, 5):  # two events: below min_events, no rhythm yet
        purchase(cy, at("2026-01-01T00:00:00") + timedelta(days=day))
    publish(tagged(node("t1", "trigger.inactivity", {"event_type": "purchase",
                                                     "mode": "rhythm", "multiplier": 2,
                                                     "min_events": 3})))
    assert trigger_scan("inactivity", now=at("2026-02-10T00:00:00") - timedelta(minutes=1)) == 0
    assert trigger_scan("inactivity", now=at("2026-02-10T00:00:00")) == 1  # day 20 + 2 x 10 days
    assert runs() == [("ada", f"inactivity:purchase:{last_ada.pk}")]
    assert trigger_scan("inactivity", now=at("2026-08-28T23:59:00")) == 0
    assert trigger_scan("inactivity", now=at("2026-08-29T00:00:00")) == 1  # day 120 + 2 x 60 days


def test_rhythm_in_sql_agrees_with_the_block() -> None:
    rng = random.Random(7)
    config = InactivityTriggerConfig(event_type="purchase", mode="rhythm", multiplier=1.5,
                                     min_events=3)
    base = at("2025-01-01T00:00:00")
    expected = {}
    for number in range(40):
        customer = person(f"c{number}")
        times = [base + timedelta(hours=rng.randint(0, 24 * 365)) for _ in range(rng.randint(
            0, 9))]
        if number % 7 == 0 and times:
            times.append(times[0])  # a tie: a zero gap
        events = [purchase(customer, moment) for moment in sorted(set(times))]
        due = inactivity_due_at(config, sorted({e.occurred_at for e in events}))
        if due is not None:
            last = max(events, key=lambda e: (e.occurred_at, e.pk))
            expected[customer.pk] = (last.pk, due)
    now = at("2030-01-01T00:00:00")
    found = inactivity_candidates(Scan(now=now, since=now, state={}, node_id="t1",
                                       workflow_id=1), config, start=None)
    assert found.keys() == expected.keys()
    assert len(expected) > 20
    for customer_id, (last_id, due) in expected.items():
        assert found[customer_id][0] == last_id
        assert abs(found[customer_id][1] - due) <= timedelta(milliseconds=1)


# --- schedule ---------------------------------------------------------------------------


def test_schedule_fans_out_once_per_tick(publish) -> None:
    from apps.engine.fanout import fanout_step

    for number in range(3):
        person(f"c{number}", plan="pro")
    person("free", plan="free")
    segment = segments.segment_create(
        name="Pro", condition={"field": "customer.attributes.plan", "op": "eq", "value": "pro"})
    publish(tagged(node("t1", "trigger.schedule", {"cron": "0 9 * * MON",
                                                   "timezone": "Europe/Berlin",
                                                   "segment_id": segment.pk,
                                                   "batch_size": 2})), settings=ALWAYS)
    # First sight on Sunday: the next Monday 09:00 Berlin (08:00 UTC) is remembered
    assert trigger_scan("schedule", now=at("2026-11-22T12:00:00")) == 0
    entry = TriggerEntry.objects.get(kind="schedule")
    assert entry.state == {"next_at": "2026-11-23T08:00:00+00:00",
                           "scanned_to": "2026-11-22T12:00:00+00:00"}
    assert trigger_scan("schedule", now=at("2026-11-23T07:59:59")) == 0
    assert trigger_scan("schedule", now=at("2026-11-23T08:00:30")) == 1
    assert trigger_scan("schedule", now=at("2026-11-23T08:01:30")) == 0
    fanout = Fanout.objects.get()
    assert (fanout.entry_prefix, fanout.total, fanout.batch_size) == (
        "schedule:t1:20261123T080000Z", 3, 2)
    while fanout_step(fanout.pk):
        pass
    assert sorted(Run.objects.values_list("entry_key", flat=True)) == sorted(
        f"schedule:t1:20261123T080000Z:{pk}"
        for pk in Customer.objects.filter(attributes__plan="pro").values_list("pk", flat=True))
    # The index rebuilt (re-publish, resume) within the minute: the tick is not fanned
    # out twice
    TriggerEntry.objects.update(state={})
    assert trigger_scan("schedule", now=at("2026-11-23T08:00:40")) == 1
    assert Fanout.objects.count() == 1
    assert TriggerEntry.objects.get().state == {"next_at": "2026-11-30T08:00:00+00:00",
                                                "scanned_to": "2026-11-23T08:00:40+00:00"}


def test_schedule_first_sight_does_not_fire_a_tick_long_past(publish) -> None:
    segment = segments.segment_create(
        name="All", condition={"field": "customer.attributes.plan", "op": "eq", "value": "x"})
    publish(tagged(node("t1", "trigger.schedule", {"cron": "0 9 * * *", "timezone": "UTC",
                                                   "segment_id": segment.pk})))
    assert trigger_scan("schedule", now=at("2026-11-23T09:05:00")) == 0
    assert TriggerEntry.objects.get().state == {"next_at": "2026-11-24T09:00:00+00:00",
                                                "scanned_to": "2026-11-23T09:05:00+00:00"}
    assert not Fanout.objects.exists()



def test_a_schedule_whose_segment_is_gone_skips_its_tick_and_others_go_on(publish) -> None:
    gone = segments.segment_create(name="Gone", condition={
        "field": "customer.attributes.plan", "op": "eq", "value": "x"})
    kept = segments.segment_create(name="Kept", condition={
        "field": "customer.attributes.plan", "op": "eq", "value": "y"})
    for name, segment in (("a", gone), ("b", kept)):
        publish(tagged(node("t1", "trigger.schedule", {"cron": "0 9 * * *", "timezone": "UTC",
                                                       "segment_id": segment.pk})), name=name)
    TriggerEntry.objects.update(state={"next_at": "2026-11-23T09:00:00+00:00"})
    gone.delete()
    assert trigger_scan("schedule", now=at("2026-11-23T09:00:10")) == 1
    assert list(Fanout.objects.values_list("workflow__name", flat=True)) == ["b"]
    assert list(TriggerEntry.objects.values_list("state", flat=True)) == [
        {"next_at": "2026-11-24T09:00:00+00:00", "scanned_to": "2026-11-23T09:00:10+00:00"}
    ] * 2


# --- the beat task: each trigger at its declared interval --------------------------------


def test_the_beat_task_scans_each_trigger_when_its_interval_has_passed(publish) -> None:
    """Date scans every 5 minutes, schedule every minute: the minute task runs each live
    trigger when its own interval has passed (a late tick within 30 s still counts)."""
    segment = segments.segment_create(
        name="All", condition={"field": "customer.attributes.plan", "op": "eq", "value": "x"})
    publish(tagged(date_trigger()), name="date")
    publish(tagged(node("t1", "trigger.schedule", {"cron": "0 9 * * *", "timezone": "UTC",
                                                   "segment_id": segment.pk})), name="cron")

    def marks() -> dict[str, str]:
        return dict(TriggerEntry.objects.values_list("kind", "state__scanned_to"))

    start = at("2026-11-23T08:00:00")
    trigger_scans_due(now=start)
    assert marks() == {"date": "2026-11-23T08:00:00+00:00",
                       "schedule": "2026-11-23T08:00:00+00:00"}
    trigger_scans_due(now=start + timedelta(seconds=65))
    assert marks() == {"date": "2026-11-23T08:00:00+00:00",
                       "schedule": "2026-11-23T08:01:05+00:00"}
    trigger_scans_due(now=start + timedelta(seconds=285))  # 4 min 45 s: close enough
    assert marks()["date"] == "2026-11-23T08:04:45+00:00"
