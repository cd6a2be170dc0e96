"""GET /api/v1/conditions/fields: the condition builder's field picker knows the customer
fields in words, the attribute keys customers have and the properties of the event types
of the last 30 days, with value types, choices and examples."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.customers.models import Customer, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(db):
    now = timezone.now()
    ana = Customer.objects.create(external_id="ana", attributes={
        "plan": "pro", "contract_end": "2027-01-31", "seats": 3})
    bob = Customer.objects.create(external_id="bob", attributes={"plan": "basic"})
    Customer.objects.create(external_id="erased:1", attributes={"secret": "x"},
                            erased_at=now)
    rows = [
        (ana, "feedback.submitted", {"score": 3, "channel": "app"}, timedelta(hours=1)),
        (bob, "feedback.submitted", {"score": 9, "channel": "email"}, timedelta(days=2)),
        (bob, "order.completed", {"amount": "19.90", "paid": True}, timedelta(days=3)),
        (ana, "old.event", {"legacy": 1}, timedelta(days=40)),  # outside the 30 days
    ]
    for index, (customer, type_, properties, ago) in enumerate(rows):
        Event.objects.create(customer=customer, type=type_, properties=properties,
                             occurred_at=now - ago, received_at=now,
                             idempotency_key=f"k{index}")


def test_fields_in_words_with_types_choices_and_examples(client_as, seen):
    body = client_as("viewer").get("/api/v1/conditions/fields").json()

    fields = {(f["group"], f["path"]): f for f in body["fields"]}
    score = fields[("Event: feedback.submitted", "event.properties.score")]
    assert (score["label"], score["type"]) == ("Score", "number")
    channel = fields[("Event: feedback.submitted", "event.properties.channel")]
    assert (channel["type"], channel["choices"]) == ("choice", ["app", "email"])
    paid = fields[("Event: order.completed", "event.properties.paid")]
    assert paid["type"] == "boolean"
    # the event type rides along as a key of its own (the group is in the reader's language)
    assert (score["event_type"], paid["event_type"]) == ("feedback.submitted", "order.completed")
    contract = fields[("Customer details", "customer.attributes.contract_end")]
    assert (contract["label"], contract["type"]) == ("Contract end", "date")
    assert fields[("Customer details", "customer.attributes.plan")]["choices"] == ["basic", "pro"]
    sms = fields[("Customer", "customer.consent.sms.status")]
    assert (sms["label"], sms["type"]) == ("SMS consent", "choice")
    assert "granted" in sms["choices"]
    assert fields[("Customer", "customer.tier")]["choices"] == ["vip", "high", "standard", "low"]
    assert fields[("Customer", "customer.churn_score")]["type"] == "number"
    assert fields[("Customer", "customer.churn_score")]["event_type"] is None
    # nothing from erased customers or events older than 30 days
    assert not any("secret" in path or "legacy" in path for _group, path in fields)
    assert body["event_types"] == [{"type": "feedback.submitted", "count": 2},
                                   {"type": "order.completed", "count": 1}]


def test_an_empty_installation_still_offers_the_customer_fields(client_as):
    body = client_as("viewer").get("/api/v1/conditions/fields").json()

    assert body["event_types"] == []
    assert {f["group"] for f in body["fields"]} == {"Customer", "Event"}


def test_fields_need_a_signed_in_reader(client):
    assert client.get("/api/v1/conditions/fields").status_code in (401, 403)
