"""Segment membership upkeep on PostgreSQL: full and per-customer refresh, internal events
emitted exactly once, erased customers, and the no-loop guarantee."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers import segments
from apps.customers.erasure import customer_erase
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Event, EventSource, Segment, SegmentMembership
from tests.customers.conditions_helpers import NOW, leaf

PRO = leaf("customer.attributes.plan", "eq", "pro")


def _customers(**plans: str | None) -> dict[str, Customer]:
    return {ext: Customer.objects.create(external_id=ext,
                                         attributes={} if plan is None else {"plan": plan})
            for ext, plan in plans.items()}


def _members(segment: Segment) -> set[str]:
    return set(SegmentMembership.objects.filter(segment=segment)
               .values_list("customer__external_id", flat=True))


def _membership_events() -> list[tuple[str, str, dict[str, Any]]]:
    return sorted(Event.objects.filter(source=EventSource.INTERNAL)
                  .values_list("type", "customer__external_id", "properties"))


def _set_plan(customer: Customer, plan: str) -> None:
    customer.attributes = {"plan": plan}
    customer.save()


@pytest.mark.django_db
def test_full_refresh_emits_entered_and_exited_exactly_once() -> None:
    # Given a segment filled at creation
    people = _customers(ann="pro", bob="free", cat="pro")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    assert (_members(segment), segment.member_count) == ({"ann", "cat"}, 2)
    # when ann downgrades and bob upgrades, and the periodic refresh runs twice
    _set_plan(people["ann"], "free")
    _set_plan(people["bob"], "pro")
    first = segments.segment_refresh(segment, now=NOW)
    second = segments.segment_refresh(segment, now=NOW + timedelta(minutes=5))
    # then membership follows and each change is announced once
    assert (first, second) == (segments.RefreshResult(1, 1), segments.RefreshResult(0, 0))
    assert _members(segment) == {"bob", "cat"}
    props = {"segment_id": segment.pk, "segment_name": "Pro"}
    assert _membership_events() == [("segment.entered", "bob", props),
                                    ("segment.exited", "ann", props)]
    segment.refresh_from_db()
    assert (segment.member_count, segment.refreshed_at) == (2, NOW + timedelta(minutes=5))


@pytest.mark.django_db
def test_events_are_keyed_by_membership_so_replays_are_duplicates() -> None:
    people = _customers(ann="free")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    _set_plan(people["ann"], "pro")
    segments.segment_refresh(segment, now=NOW)
    membership = SegmentMembership.objects.get()
    entered = Event.objects.get(type="segment.entered")
    assert entered.idempotency_key == f"segment.entered:{segment.pk}:{people['ann'].pk}:" \
                                      f"{membership.pk}"
    assert entered.occurred_at == NOW
    # Replaying the same emission is recognised as a duplicate by ingest
    replay = events_ingest([EventIn(people["ann"].external_id, "segment.entered",
                                    idempotency_key=entered.idempotency_key)],
                           source=EventSource.INTERNAL)
    assert replay[0].duplicate is True


@pytest.mark.django_db
def test_reentering_is_a_new_stint_with_new_events() -> None:
    people = _customers(ann="pro")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    for plan in ("free", "pro", "free"):
        _set_plan(people["ann"], plan)
        segments.segment_refresh(segment, now=NOW)
    assert [t for t, _, _ in _membership_events()] == [
        "segment.entered", "segment.exited", "segment.exited"]
    assert Event.objects.filter(source=EventSource.INTERNAL).values("idempotency_key") \
        .distinct().count() == 3


@pytest.mark.django_db
def test_refresh_for_customers_follows_profile_changes_with_one_query_per_segment() -> None:
    people = _customers(ann="pro", bob="free", cat="free")
    pro = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    free = segments.segment_create(
        name="Free", condition=leaf("customer.attributes.plan", "eq", "free"), now=NOW)
    _set_plan(people["bob"], "pro")
    _set_plan(people["cat"], "pro")
    ids = [people["bob"].pk, people["cat"].pk]
    # When the changed customers are refreshed
    with CaptureQueriesContext(connection) as queries:
        segments.segments_refresh_for_customers(ids, now=NOW)
    # then both segments follow
    assert (_members(pro), _members(free)) == ({"ann", "bob", "cat"}, set())
    pro.refresh_from_db()
    free.refresh_from_db()
    assert (pro.member_count, free.member_count) == (3, 0)
    matching = [q["sql"] for q in queries.captured_queries
                if '"customers_customer"."erased_at" IS NULL' in q["sql"]]
    assert len(matching) == 2  # one per segment, not one per customer and segment
    # and a second run changes nothing and emits nothing
    before = _membership_events()
    segments.segments_refresh_for_customers(ids, now=NOW)
    assert _membership_events() == before
    assert len(before) == 4


@pytest.mark.django_db
def test_membership_events_trigger_a_refresh_that_changes_nothing() -> None:
    # Given the emitted events, the refresh they trigger (tasks.events_process) is a no-op
    people = _customers(ann="free")
    segment = segments.segment_create(
        name="Recent buyers",
        condition={"all": [PRO, leaf("metrics.event_count", "gte", 1, event_type="purchase",
                                     window="30d")]},
        now=NOW,
    )
    _set_plan(people["ann"], "pro")
    events_ingest([EventIn("ann", "purchase", occurred_at=NOW - timedelta(days=1))])
    segments.segments_refresh_for_customers([people["ann"].pk], now=NOW)
    emitted = _membership_events()
    assert [t for t, _, _ in emitted] == ["segment.entered"]
    for _ in range(3):
        segments.segments_refresh_for_customers([people["ann"].pk], now=NOW)
        segments.segment_refresh(segment, now=NOW)
    assert _membership_events() == emitted


@pytest.mark.django_db
def test_time_based_conditions_change_with_the_clock() -> None:
    _customers(ann="pro")
    events_ingest([EventIn("ann", "purchase", occurred_at=NOW - timedelta(days=50))])
    lapsed = segments.segment_create(
        name="Lapsed", now=NOW,
        condition=leaf("metrics.days_since_last", "gt", 60, event_type="purchase"))
    assert lapsed.member_count == 0
    segments.segments_refresh_all(now=NOW + timedelta(days=11))
    lapsed.refresh_from_db()
    assert (lapsed.member_count, _members(lapsed)) == (1, {"ann"})


@pytest.mark.django_db
def test_erased_customers_are_never_members() -> None:
    people = _customers(ann="pro", bob="pro")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    Customer.objects.filter(pk=people["bob"].pk).update(erased_at=NOW)
    segments.segment_refresh(segment, now=NOW)
    assert _members(segment) == {"ann"}
    customer_erase(people["ann"])
    segments.segment_refresh(segment, now=NOW)
    segments.segments_refresh_for_customers([people["ann"].pk, people["bob"].pk], now=NOW)
    segment.refresh_from_db()
    assert (_members(segment), segment.member_count) == (set(), 0)


@pytest.mark.django_db
def test_full_refresh_works_in_id_batches(monkeypatch) -> None:
    monkeypatch.setattr(segments, "RANGE_BATCH", 2)
    people = _customers(a="pro", b="free", c="pro", d="pro", e="free")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    assert (_members(segment), segment.member_count) == ({"a", "c", "d"}, 3)
    for ext in ("a", "b", "e"):
        _set_plan(people[ext], "pro" if ext != "a" else "free")
    assert segments.segment_refresh(segment, now=NOW) == segments.RefreshResult(2, 1)
    assert _members(segment) == {"b", "c", "d", "e"}


@pytest.mark.django_db
def test_update_with_new_condition_refreshes_with_events() -> None:
    _customers(ann="pro", bob="free")
    segment = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    segments.segment_update(segment, condition=leaf("customer.attributes.plan", "eq", "free"),
                            now=NOW)
    assert _members(segment) == {"bob"}
    assert [(t, ext) for t, ext, _ in _membership_events()] == [
        ("segment.entered", "bob"), ("segment.exited", "ann")]


@pytest.mark.django_db
def test_a_segment_with_a_broken_stored_condition_is_skipped(caplog) -> None:
    _customers(ann="pro")
    good = segments.segment_create(name="Pro", condition=PRO, now=NOW)
    broken = Segment.objects.create(name="Broken", condition={"field": "customer.gone"})
    segments.segments_refresh_all(now=NOW)
    segments.segments_refresh_for_customers(list(Customer.objects.values_list("pk", flat=True)))
    assert (_members(good), _members(broken)) == ({"ann"}, set())
    assert f"segment {broken.pk} has an invalid condition" in caplog.text


@pytest.mark.django_db
def test_a_taken_name_is_a_domain_error() -> None:
    # Two writes that both passed validation: the second finds the name taken
    segments.segment_create(name="Pro", condition=PRO, now=NOW)
    other = segments.segment_create(name="Free", condition=PRO, now=NOW)
    with pytest.raises(segments.SegmentNameTaken, match="'Pro' already exists"):
        segments.segment_create(name="Pro", condition=PRO, now=NOW)
    with pytest.raises(segments.SegmentNameTaken):
        segments.segment_update(other, name="Pro")
    assert sorted(Segment.objects.values_list("name", flat=True)) == ["Free", "Pro"]
