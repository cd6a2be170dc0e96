"""Segments after new events (`handling.events_handle_stored`, what a drain runs): the
segments an event can change are brought up to date for its customer, every segment for a
customer the event created, and profile-only segments cost nothing per event."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.customers import segments
from apps.customers.handling import events_handle_stored
from apps.customers.ingest import EventIn, events_ingest
from apps.customers.models import Customer, Segment, SegmentMembership
from tests.customers.conditions_helpers import leaf

pytestmark = pytest.mark.django_db

PRO = leaf("customer.attributes.plan", "eq", "pro")
RECENT_BUYER = leaf("metrics.event_count", "gte", 1, event_type="purchase", window="30d")


def members(segment: Segment) -> set[str]:
    return set(SegmentMembership.objects.filter(segment=segment)
               .values_list("customer__external_id", flat=True))


def handle(*events: EventIn) -> None:
    events_handle_stored([result.event_id for result in events_ingest(list(events))])


def test_an_event_brings_the_segments_that_count_events_up_to_date() -> None:
    Customer.objects.create(external_id="ann", attributes={"plan": "pro"})
    buyers = segments.segment_create(name="Pro buyers", condition={"all": [PRO, RECENT_BUYER]})
    seen = segments.segment_create(
        name="Seen today", condition=leaf("customer.last_seen_at", "within_last", "1d"))
    assert members(buyers) == members(seen) == set()

    handle(EventIn("ann", "purchase"))

    assert members(buyers) == members(seen) == {"ann"}


def test_a_customer_an_event_created_joins_the_profile_segments_it_matches() -> None:
    everyone = segments.segment_create(
        name="Without a plan", condition=leaf("customer.attributes.plan", "not_exists"))

    handle(EventIn("newcomer", "page.viewed"))

    assert members(everyone) == {"newcomer"}


def statements_for_an_event(customer: str, key: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        handle(EventIn(customer, "purchase", idempotency_key=key))
    return len(captured.captured_queries)


def test_profile_only_segments_cost_nothing_per_event_of_a_known_customer() -> None:
    # Given a known customer in a segment that counts events
    Customer.objects.create(external_id="ann", attributes={"plan": "pro"})
    buyers = segments.segment_create(name="Pro buyers", condition={"all": [PRO, RECENT_BUYER]})
    handle(EventIn("ann", "purchase", idempotency_key="k0"))  # she enters it
    with_one = statements_for_an_event("ann", "k1")

    # When ten segments on the profile alone are added
    for i in range(10):
        segments.segment_create(name=f"Plan {i}",
                                condition=leaf("customer.attributes.plan", "eq", f"p{i}"))

    # Then handling an event of that customer takes as many statements as before
    assert statements_for_an_event("ann", "k2") == with_one
    assert members(buyers) == {"ann"}
